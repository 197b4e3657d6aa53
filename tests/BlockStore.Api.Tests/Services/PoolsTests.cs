using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Services;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Services;

/// <summary>
/// <c>scheduler-stats/get_pools</c> lists a pool per backend whose volume service is up, from the rows workers stamp
/// (written here as a worker writes them), with the capacity their probe found and what the backend's volumes take.
/// </summary>
public sealed class PoolsTests : ApiTest
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task An_admin_lists_the_pools_of_live_services_by_the_name_migrate_takes_with_their_capacity()
    {
        var t = NewTenant();
        var host = $"pools-{Guid.NewGuid():N}";
        var elsewhere = $"bk-{Guid.NewGuid():N}"; // a backend of its own, so that only this test's volumes count on it
        var now = DateTime.UtcNow;
        await Host.ServicesAsync(
            Seed.Service($"{host}@ceph", backendUp: true, now, totalBytes: 100 * GiB, freeBytes: 60 * GiB + GiB / 4),
            Seed.Service($"{host}@{elsewhere}", backendUp: false, now),
            Seed.Service($"{host}@ceph-fast", backendUp: true, now.AddMinutes(-5), totalBytes: GiB, freeBytes: GiB));
        var volumes = new[] { await t.CreateVolumeAsync(size: 3), await t.CreateVolumeAsync(size: 4) };
        try
        {
            await using (var db = Host.NewDb())
                await db.Volumes.Where(v => volumes.Select(Guid.Parse).Contains(v.Id)).ExecuteUpdateAsync(s => s.SetProperty(v => v.Backend, elsewhere));

            var names = (await t.Admin.Get("scheduler-stats/get_pools")).ShouldHave(200).Json.GetProperty("pools").EnumerateArray()
                .Select(p => p.GetProperty("name").GetString()!).Where(n => n.StartsWith(host)).Order().ToList();
            names.ShouldBe(new[] { $"{host}@ceph#volumes", $"{host}@{elsewhere}#{elsewhere}" }.Order().ToList(), "the stale service's pool is gone");

            var ceph = (await t.Admin.Get($"scheduler-stats/get_pools?detail=True&name={host}@ceph%23volumes", "3.35")).ShouldHave(200).Json
                .GetProperty("pools").EnumerateArray().ShouldHaveSingleItem();
            ceph.Keys().ShouldBe(["name", "capabilities"]);
            var caps = ceph.GetProperty("capabilities");
            caps.GetProperty("pool_name").GetString().ShouldBe("volumes");
            caps.GetProperty("volume_backend_name").GetString().ShouldBe("ceph");
            caps.GetProperty("storage_protocol").GetString().ShouldBe("ceph");
            caps.GetProperty("total_capacity_gb").GetDouble().ShouldBe(100);
            caps.GetProperty("free_capacity_gb").GetDouble().ShouldBe(60.25);
            caps.GetProperty("backend_state").GetString().ShouldBe("up");
            caps.GetProperty("thin_provisioning_support").GetBoolean().ShouldBeTrue();

            var down = (await t.Admin.Get($"scheduler-stats/get_pools?detail=1&name={host}@{elsewhere}%23{elsewhere}", "3.35")).ShouldHave(200).Json
                .GetProperty("pools").EnumerateArray().ShouldHaveSingleItem().GetProperty("capabilities");
            down.GetProperty("backend_state").GetString().ShouldBe("down");
            down.GetProperty("total_capacity_gb").GetString().ShouldBe("unknown");
            down.GetProperty("free_capacity_gb").GetString().ShouldBe("unknown");
            down.GetProperty("allocated_capacity_gb").GetInt64().ShouldBe(7);

            var summary = (await t.Admin.Get($"scheduler-stats/get_pools?detail=false&name={host}@ceph%23volumes", "3.35")).ShouldHave(200).Json
                .GetProperty("pools").EnumerateArray().ShouldHaveSingleItem();
            summary.Keys().ShouldBe(["name"]);
        }
        finally
        {
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host.StartsWith(host)).ExecuteDeleteAsync();
            await db.Volumes.Where(v => v.Backend == elsewhere).ExecuteUpdateAsync(s => s.SetProperty(v => v.Backend, "ceph"));
        }
    }

    [Fact]
    public async Task From_3_35_pools_are_filtered_by_the_backend_a_volume_type_selects()
    {
        var t = NewTenant();
        var host = $"pools-{Guid.NewGuid():N}";
        var now = DateTime.UtcNow;
        await Host.ServicesAsync(Seed.Service($"{host}@ceph", backendUp: true, now, 10 * GiB, 5 * GiB), Seed.Service($"{host}@ceph-fast", backendUp: true, now, 10 * GiB, 5 * GiB));
        var fast = Unique("fast");
        await t.CreateTypeAsync(fast, new() { ["volume_backend_name"] = "ceph-fast" });
        try
        {
            var ours = (await t.Admin.Get($"scheduler-stats/get_pools?volume_type={fast}", "3.35")).ShouldHave(200).Json
                .GetProperty("pools").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Where(n => n.StartsWith(host)).ToList();
            ours.ShouldBe([$"{host}@ceph-fast#volumes-fast"]);

            var before = (await t.Admin.Get($"scheduler-stats/get_pools?volume_type={fast}", "3.34")).ShouldHave(200).Json
                .GetProperty("pools").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Where(n => n.StartsWith(host)).Order().ToList();
            before.ShouldBe([$"{host}@ceph#volumes", $"{host}@ceph-fast#volumes-fast"], "before 3.35 filters are ignored, as in Cinder");

            (await t.Admin.Get("scheduler-stats/get_pools?volume_type=no-such-type", "3.35")).ShouldBeFault(404, "itemNotFound");
            (await t.Admin.Get("scheduler-stats/get_pools?detail=maybe")).ShouldBeFault(400, "badRequest")
                .ShouldBe("Value 'maybe' for 'detail' is not a boolean.");
        }
        finally
        {
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host.StartsWith(host)).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task Only_an_admin_lists_pools()
    {
        var t = NewTenant();
        (await t.Member.Get("scheduler-stats/get_pools")).ShouldBeFault(403, "forbidden")
            .ShouldBe("Policy doesn't allow scheduler_extension:scheduler_stats:get_pools to be performed.");
        (await t.Reader.Get("scheduler-stats/get_pools?detail=true")).ShouldBeFault(403, "forbidden");
    }
}
