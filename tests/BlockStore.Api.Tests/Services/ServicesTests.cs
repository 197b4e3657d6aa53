using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Services;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Services;

/// <summary>
/// <c>os-services</c> reads the rows workers stamp (no worker runs here: the rows are written as a worker writes
/// them): a service is up while its heartbeat is fresh, and its backend only while the service is up and its probe passed.
/// </summary>
public sealed class ServicesTests : ApiTest
{
    [Fact]
    public async Task An_admin_sees_each_service_up_or_down_by_its_heartbeat_and_its_backend_by_the_last_probe()
    {
        var t = NewTenant();
        var host = $"svc-{Guid.NewGuid():N}";
        var now = DateTime.UtcNow;
        await Host.ServicesAsync(
            Seed.Service($"{host}@fresh", backendUp: true, now),
            Seed.Service($"{host}@sick", backendUp: false, now),
            Seed.Service($"{host}@stale", backendUp: true, now.AddMinutes(-5)));
        try
        {
            foreach (var (backend, state, backendState) in new[] { ("fresh", "up", "up"), ("sick", "up", "down"), ("stale", "down", "down") })
            {
                var service = (await t.Admin.Get($"os-services?host={host}@{backend}", "3.49")).ShouldHave(200).Json
                    .GetProperty("services").EnumerateArray().ShouldHaveSingleItem();
                service.Keys().ShouldBe(["binary", "host", "zone", "status", "state", "updated_at", "cluster", "disabled_reason",
                    "replication_status", "active_backend_id", "frozen", "backend_state"]);
                service.GetProperty("binary").GetString().ShouldBe("cinder-volume");
                service.GetProperty("zone").GetString().ShouldBe("nova");
                service.GetProperty("status").GetString().ShouldBe("enabled");
                service.GetProperty("state").GetString().ShouldBe(state, backend);
                service.GetProperty("backend_state").GetString().ShouldBe(backendState, backend);
            }

            var old = (await t.Admin.Get($"os-services?host={host}@fresh", "3.0")).ShouldHave(200).Json
                .GetProperty("services").EnumerateArray().ShouldHaveSingleItem();
            old.Keys().ShouldNotContain("cluster");
            old.Keys().ShouldNotContain("backend_state");
            (await t.Admin.Get($"os-services?host={host}@fresh&binary=cinder-backup")).ShouldHave(200).Json
                .GetProperty("services").GetArrayLength().ShouldBe(0);
        }
        finally
        {
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host.StartsWith(host)).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task Only_an_admin_lists_services()
    {
        var t = NewTenant();
        (await t.Member.Get("os-services")).ShouldBeFault(403, "forbidden").ShouldBe("Policy doesn't allow volume_extension:services:index to be performed.");
        (await t.Reader.Get("os-services")).ShouldBeFault(403, "forbidden");
    }
}
