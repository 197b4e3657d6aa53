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
    public async Task An_admin_disables_a_service_with_a_reason_and_enables_it_again_as_Cinder_answers()
    {
        var t = NewTenant();
        var host = $"svc-{Guid.NewGuid():N}@ceph";
        await Host.ServicesAsync(Seed.Service(host, backendUp: true, DateTime.UtcNow));
        try
        {
            var disabled = (await t.Admin.Put("os-services/disable-log-reason",
                new { host, binary = "cinder-volume", disabled_reason = "disk swap" })).ShouldHave(200).Json;
            disabled.Keys().ShouldBe(["disabled", "disabled_reason", "host", "service", "binary", "status"]);
            disabled.GetProperty("disabled").GetBoolean().ShouldBeTrue();
            disabled.GetProperty("status").GetString().ShouldBe("disabled");
            var listed = await ShownAsync(t, host);
            listed.GetProperty("status").GetString().ShouldBe("disabled");
            listed.GetProperty("disabled_reason").GetString().ShouldBe("disk swap");
            (await t.Admin.Get("scheduler-stats/get_pools")).ShouldHave(200).Body.ShouldNotContain(host);

            // cinderclient's older form names the binary "service"; a null cluster is no cluster.
            var enabled = (await t.Admin.Put("os-services/enable", new { host, service = "cinder-volume", cluster = (string?)null })).ShouldHave(200).Json;
            enabled.GetProperty("disabled").GetBoolean().ShouldBeFalse();
            enabled.GetProperty("status").GetString().ShouldBe("enabled");
            enabled.GetProperty("binary").GetString().ShouldBe("");
            (await ShownAsync(t, host)).GetProperty("status").GetString().ShouldBe("enabled");
            (await t.Admin.Get("scheduler-stats/get_pools")).ShouldHave(200).Body.ShouldContain(host);

            (await t.Admin.Put("os-services/disable", new { host, binary = "cinder-volume" })).ShouldHave(200)
                .Json.GetProperty("status").GetString().ShouldBe("disabled");
            (await ShownAsync(t, host)).GetProperty("status").GetString().ShouldBe("disabled");
        }
        finally
        {
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host == host).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task Service_updates_are_refused_as_Cinder_refuses_them_and_change_nothing()
    {
        var t = NewTenant();
        var host = $"svc-{Guid.NewGuid():N}@ceph";
        await Host.ServicesAsync(Seed.Service(host, backendUp: true, DateTime.UtcNow));
        try
        {
            (await t.Member.Put("os-services/disable", new { host, binary = "cinder-volume" })).ShouldBeFault(403, "forbidden")
                .ShouldBe("Policy doesn't allow volume_extension:services:update to be performed.");
            (await t.Admin.Put("os-services/disable", new { binary = "cinder-volume" })).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid input received: Host field is missing.");
            (await t.Admin.Put("os-services/disable", new { host })).ShouldBeFault(400, "badRequest");
            (await t.Admin.Put("os-services/disable", new { host, binary = "cinder-volume", cluster = "c1" })).ShouldBeFault(400, "badRequest")
                .ShouldContain("no clusters");
            (await t.Admin.Put("os-services/disable", new { host, binary = "cinder-volume", zone = "x" })).ShouldBeFault(400, "badRequest")
                .ShouldBe("Additional properties are not allowed ('zone' was unexpected)");
            (await t.Admin.Put("os-services/disable", new { host, binary = "cinder-volume", disabled_reason = "x" })).ShouldBeFault(400, "badRequest");
            (await t.Admin.Put("os-services/disable-log-reason", new { host, binary = "cinder-volume", disabled_reason = " padded" }))
                .ShouldBeFault(400, "badRequest");
            (await t.Admin.Put("os-services/disable", new { host = "nowhere@ceph", binary = "cinder-volume" })).ShouldBeFault(404, "itemNotFound")
                .ShouldBe("Could not find binary cinder-volume on host nowhere@ceph.");
            (await t.Admin.Put("os-services/freeze", new { host })).ShouldBeFault(400, "badRequest").ShouldContain("freeze is not supported");
            (await t.Admin.Put("os-services/reboot", new { host, binary = "cinder-volume" })).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid input received: Unknown action");
            (await ShownAsync(t, host)).GetProperty("status").GetString().ShouldBe("enabled");
        }
        finally
        {
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host == host).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task A_backend_is_disabled_only_once_every_one_of_its_services_is()
    {
        var backend = $"gate-{Guid.NewGuid():N}";
        var (one, two) = ($"h1@{backend}", $"h2@{backend}");
        await using var db = Host.NewDb();
        (await ServiceRegistry.IsBackendDisabledAsync(db, backend, default)).ShouldBeFalse("a backend no worker reported is not disabled");
        await Host.ServicesAsync(Seed.Service(one, backendUp: true, DateTime.UtcNow), Seed.Service(two, backendUp: true, DateTime.UtcNow));
        try
        {
            (await ServiceRegistry.SetDisabledAsync(db, one, ServiceRecord.VolumeBinary, disabled: true, "maintenance", default)).ShouldBeTrue();
            (await ServiceRegistry.IsBackendDisabledAsync(db, backend, default)).ShouldBeFalse("h2 still serves it");
            (await ServiceRegistry.SetDisabledAsync(db, two, ServiceRecord.VolumeBinary, disabled: true, null, default)).ShouldBeTrue();
            (await ServiceRegistry.IsBackendDisabledAsync(db, backend, default)).ShouldBeTrue();
            (await ServiceRegistry.IsBackendDisabledAsync(db, backend[..^1], default)).ShouldBeFalse("another backend's name is not a suffix match");
            // A heartbeat leaves the admin's choice as it is.
            await ServiceRegistry.StampAsync(db, "h2", "nova", new Dictionary<string, BackendReport> { [backend] = new(Up: true) }, DateTime.UtcNow, default);
            (await ServiceRegistry.IsBackendDisabledAsync(db, backend, default)).ShouldBeTrue();
            (await ServiceRegistry.SetDisabledAsync(db, "h3@" + backend, ServiceRecord.VolumeBinary, disabled: true, null, default)).ShouldBeFalse();
        }
        finally
        {
            await db.Services.Where(s => s.Host.EndsWith(backend)).ExecuteDeleteAsync();
        }
    }

    private static async Task<System.Text.Json.JsonElement> ShownAsync(Tenant t, string host) =>
        (await t.Admin.Get($"os-services?host={host}")).ShouldHave(200).Json.GetProperty("services").EnumerateArray().ShouldHaveSingleItem();

    [Fact]
    public async Task Only_an_admin_lists_services()
    {
        var t = NewTenant();
        (await t.Member.Get("os-services")).ShouldBeFault(403, "forbidden").ShouldBe("Policy doesn't allow volume_extension:services:index to be performed.");
        (await t.Reader.Get("os-services")).ShouldBeFault(403, "forbidden");
    }
}
