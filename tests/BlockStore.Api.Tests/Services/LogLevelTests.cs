using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Services;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Services;

/// <summary>
/// <c>os-services/set-log</c> and <c>get-log</c> (3.32): the API process's own levels change at once; a volume service's
/// level is written for its workers (no worker runs here: the worker's side is in the Worker tests).
/// </summary>
public sealed class LogLevelTests : ApiTest
{
    private const string Prefix = "BlockStore.Api.Infrastructure";

    [Fact]
    public async Task The_API_sets_and_shows_its_own_levels_by_prefix()
    {
        var t = NewTenant();
        // A fault makes sure a logger of the prefix exists.
        (await t.Member.Get($"volumes/{Guid.NewGuid()}")).ShouldBeFault(404, "itemNotFound");
        try
        {
            (await t.Admin.Put("os-services/set-log", new { binary = "cinder-api", prefix = Prefix, level = "debug" }, "3.32")).ShouldHave(202);
            var entry = (await t.Admin.Put("os-services/get-log", new { binary = "cinder-api", prefix = Prefix }, "3.32")).ShouldHave(200).Json
                .GetProperty("log_levels").EnumerateArray().ShouldHaveSingleItem();
            entry.Keys().ShouldBe(["binary", "host", "levels"]);
            entry.GetProperty("binary").GetString().ShouldBe("cinder-api");
            var levels = entry.GetProperty("levels").EnumerateObject().ToList();
            levels.ShouldNotBeEmpty();
            levels.ShouldAllBe(l => l.Name.StartsWith(Prefix) && l.Value.GetString() == "DEBUG");

            // Another server's levels are not the API's.
            (await t.Admin.Put("os-services/get-log", new { binary = "cinder-api", server = "elsewhere" }, "3.32")).ShouldHave(200).Json
                .GetProperty("log_levels").GetArrayLength().ShouldBe(0);
        }
        finally
        {
            (await t.Admin.Put("os-services/set-log", new { binary = "cinder-api", prefix = Prefix, level = "INFO" }, "3.32")).ShouldHave(202);
        }
        var after = (await t.Admin.Put("os-services/get-log", new { binary = "cinder-api", prefix = Prefix }, "3.32")).ShouldHave(200).Json;
        after.GetProperty("log_levels")[0].GetProperty("levels").EnumerateObject().ShouldAllBe(l => l.Value.GetString() == "INFO");
    }

    [Fact]
    public async Task A_volume_services_level_is_left_for_its_workers_and_get_log_shows_what_they_reported()
    {
        var t = NewTenant();
        var host = $"svc-{Guid.NewGuid():N}";
        var now = DateTime.UtcNow;
        var up = Seed.Service($"{host}@ceph", backendUp: true, now);
        up.LogLevels = """{"BlockStore.Worker.Volumes.VolumeService": "INFO", "Microsoft.EntityFrameworkCore.Database.Command": "WARNING"}""";
        await Host.ServicesAsync(up, Seed.Service($"{host}@stale", backendUp: true, now.AddMinutes(-5)));
        try
        {
            (await t.Admin.Put("os-services/set-log", new { binary = "cinder-volume", server = host, prefix = "BlockStore.Worker", level = "WARNING" }, "3.32"))
                .ShouldHave(202);
            await using (var db = Host.NewDb())
            {
                // Only the service that is up, as in Cinder.
                var written = await db.LogLevelRequests.Where(r => r.Host.StartsWith(host)).ToListAsync();
                written.ShouldHaveSingleItem().Host.ShouldBe($"{host}@ceph");
                written[0].Binary.ShouldBe("cinder-volume");
                written[0].Prefix.ShouldBe("BlockStore.Worker");
                written[0].Level.ShouldBe("WARNING");
            }

            var entry = (await t.Admin.Put("os-services/get-log", new { server = $"{host}@ceph", prefix = "BlockStore" }, "3.32")).ShouldHave(200).Json
                .GetProperty("log_levels").EnumerateArray().ShouldHaveSingleItem("the API answers only for its own server");
            entry.GetProperty("binary").GetString().ShouldBe("cinder-volume");
            entry.GetProperty("host").GetString().ShouldBe($"{host}@ceph");
            entry.GetProperty("levels").GetRawText().ShouldBe("""{"BlockStore.Worker.Volumes.VolumeService":"INFO"}""");
        }
        finally
        {
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host.StartsWith(host)).ExecuteDeleteAsync();
            await db.LogLevelRequests.Where(r => r.Host.StartsWith(host)).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task Bad_requests_are_refused_as_Cinders_schema_refuses_them()
    {
        var t = NewTenant();
        (await t.Admin.Put("os-services/set-log", new { level = "DEBUG" }, "3.31")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Put("os-services/set-log", new { level = "DEBUG" }, "3.32")).ShouldBeFault(403, "forbidden");
        (await t.Member.Put("os-services/get-log", new { }, "3.32")).ShouldBeFault(403, "forbidden");
        (await t.Admin.Put("os-services/set-log", new { level = "TRACE" }, "3.32")).ShouldBeFault(400, "badRequest")
            .ShouldContain("TRACE is not a valid log level");
        (await t.Admin.Put("os-services/set-log", new { prefix = "BlockStore" }, "3.32")).ShouldBeFault(400, "badRequest")
            .ShouldContain("is not a valid log level");
        (await t.Admin.Put("os-services/set-log", new { binary = "nova-compute", level = "INFO" }, "3.32")).ShouldBeFault(400, "badRequest")
            .ShouldContain("'nova-compute' is not one of");
        (await t.Admin.Put("os-services/set-log", new { level = "INFO", host = "h" }, "3.32")).ShouldBeFault(400, "badRequest")
            .ShouldContain("'host' was unexpected");
        (await t.Admin.Put("os-services/get-log", new { level = "INFO" }, "3.32")).ShouldBeFault(400, "badRequest")
            .ShouldContain("'level' was unexpected");
        (await t.Admin.Put("os-services/set-log", new { level = "INFO", prefix = "a:b" }, "3.32")).ShouldBeFault(400, "badRequest");
        // Binaries BlockStore runs no service of reach nothing.
        (await t.Admin.Put("os-services/get-log", new { binary = "cinder-scheduler" }, "3.32")).ShouldHave(200).Json
            .GetProperty("log_levels").GetArrayLength().ShouldBe(0);
    }
}
