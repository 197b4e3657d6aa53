using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>
/// The manage API on PostgreSQL: <c>os-volume-manage</c> (and <c>manageable_volumes</c> from 3.8) with Cinder's checks
/// before anything is written, what an accepted manage commits, the manageable lists read from the worker's scan, and
/// <c>os-unmanage</c>.
/// </summary>
public sealed class ManageTests : ManageApiTest
{
    private static object Manage(string host, object? reference, object? extra = null) =>
        ManageRequest("volume", new Dictionary<string, object?> { ["host"] = host, ["ref"] = reference }, extra);

    private Task<string> CephServiceAsync() => CephServiceAsync("manage");

    private async Task ForgetServiceAsync(string host)
    {
        await using var db = Host.NewDb();
        await db.Services.Where(s => s.Host == host).ExecuteDeleteAsync();
        await db.ManageableImages.Where(i => i.Name.StartsWith(Unique(""))).ExecuteDeleteAsync();
    }

    [Fact]
    public async Task An_accepted_manage_creates_a_volume_of_size_0_that_names_its_storage_charges_one_volume_and_reaches_the_bus()
    {
        var t = NewTenant();
        var host = await CephServiceAsync();
        await using var probe = await BusProbe.ListenAsync(typeof(CreateVolume));
        try
        {
            var source = Unique("legacy");
            var reply = (await t.Admin.Post("os-volume-manage", Manage($"{host}#volumes", Source(source),
                new { name = " adopted ", description = "from rbd", metadata = new Dictionary<string, string> { ["k"] = "v" }, bootable = "true" }))).ShouldHave(202);
            var shown = reply.Json.GetProperty("volume");
            shown.GetProperty("status").GetString().ShouldBe("creating");
            shown.GetProperty("size").GetInt32().ShouldBe(0);
            shown.GetProperty("name").GetString().ShouldBe("adopted");
            shown.GetProperty("bootable").GetString().ShouldBe("true");
            shown.GetProperty("volume_type").GetString().ShouldBe("__DEFAULT__");
            var id = shown.GetProperty("id").GetGuid();

            await using var db = Host.NewDb();
            var row = await db.Volumes.SingleAsync(v => v.Id == id);
            row.ManagingFrom.ShouldBe(source);
            row.Backend.ShouldBe("ceph");
            row.Metadata.ShouldBe(new Dictionary<string, string> { ["k"] = "v" });
            (await Host.UsageAsync(t.ProjectId, "volumes")).ShouldBe(1);
            (await Host.UsageAsync(t.ProjectId, "gigabytes")).ShouldBe(0);
            (await probe.WaitForAsync(id.ToString(), TimeSpan.FromSeconds(15))).ShouldNotBeNull("the worker is sent the create");

            // One volume at a time adopts a piece of storage.
            (await t.Admin.Post("manageable_volumes", Manage(host, Source(source)), "3.8")).ShouldBeFault(400, "badRequest")
                .ShouldBe($"Invalid volume: Unable to manage existing volume. '{source}' is already being managed by another volume.");
            (await Host.UsageAsync(t.ProjectId, "volumes")).ShouldBe(1);
            // Storage that is a volume's already: Cinder's refusal.
            (await t.Admin.Post("os-volume-manage", Manage(host, Source($"volume-{id}")))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid volume: Unable to manage existing volume. The volume is already managed");
        }
        finally
        {
            await ForgetServiceAsync(host);
        }
    }

    [Fact]
    public async Task A_manage_is_refused_as_Cinder_refuses_it_and_nothing_is_written()
    {
        var t = NewTenant();
        var host = await CephServiceAsync();
        try
        {
            var name = Unique("x");
            (await t.Member.Post("os-volume-manage", Manage(host, Source(name)))).ShouldBeFault(403, "forbidden");
            (await t.Admin.Post("manageable_volumes", Manage(host, Source(name)), "3.7")).ShouldBeFault(404, "itemNotFound");
            (await t.Admin.Post("os-volume-manage", new { volume = new { @ref = Source(name) } })).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid input received: Host field is missing.");
            (await t.Admin.Post("os-volume-manage", new { volume = new { @ref = Source(name) } }, "3.16")).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid input received: One and only one of cluster and host must be set.");
            (await t.Admin.Post("os-volume-manage", new { volume = new { host } })).ShouldBeFault(400, "badRequest")
                .ShouldBe("'ref' is a required property");
            (await t.Admin.Post("os-volume-manage", Manage(host, 5))).ShouldBeFault(400, "badRequest");
            (await t.Admin.Post("os-volume-manage", Manage(host, new Dictionary<string, string> { ["source-id"] = "1" }))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Manage existing volume failed due to invalid backend reference {\"source-id\":\"1\"}: Reference must contain source-name element.");
            (await t.Admin.Post("os-volume-manage", Manage(host, Source(name), new { size = 3 }))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Additional properties are not allowed ('size' was unexpected)");
            (await t.Admin.Post("os-volume-manage", Manage(host, Source(name), new { cluster = "c" }))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Additional properties are not allowed ('cluster' was unexpected)");
            (await t.Admin.Post("os-volume-manage", Manage(host, Source(name), new { bootable = "maybe" }))).ShouldBeFault(400, "badRequest");
            (await t.Admin.Post("os-volume-manage", Manage("nowhere@ceph", Source(name)))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Host 'nowhere@ceph' not found");
            (await t.Admin.Post("os-volume-manage", Manage(host, Source(name), new { volume_type = "no-such-type" }))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid volume type: Cannot find requested 'no-such-type' volume type");
            (await t.Admin.Post("os-volume-manage", Manage(host, Source(name), new { availability_zone = "elsewhere" }))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Availability zone 'elsewhere' is invalid.");
            (await t.Admin.Post("os-volume-manage", Manage(host, Source($"volume-{Guid.NewGuid()}")))).ShouldBeFault(400, "badRequest")
                .ShouldContain("is named as a BlockStore volume that no longer exists");

            // A type of another backend, the file backend, and a disabled service.
            var fast = await t.CreateTypeAsync(Unique("fast"), new() { ["volume_backend_name"] = "ceph-fast" });
            (await t.Admin.Post("os-volume-manage", Manage(host, Source(name), new { volume_type = fast }))).ShouldBeFault(400, "badRequest")
                .ShouldContain("places volumes on backend 'ceph-fast', not on 'ceph'");
            var local = $"{Unique("manage")}@local";
            await Host.ServicesAsync(Seed.Service(local, backendUp: true, DateTime.UtcNow));
            (await t.Admin.Post("os-volume-manage", Manage(local, Source(name)))).ShouldBeFault(400, "badRequest")
                .ShouldContain("cannot manage existing storage");
            await ForgetServiceAsync(local);
            await using (var db = Host.NewDb())
                await db.Services.Where(s => s.Host == host).ExecuteUpdateAsync(s => s.SetProperty(r => r.Disabled, true));
            (await t.Admin.Post("os-volume-manage", Manage(host, Source(name)))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Service is unavailable at this time.");

            (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(0);
            (await Host.UsageAsync(t.ProjectId, "volumes")).ShouldBe(0);
        }
        finally
        {
            await ForgetServiceAsync(host);
        }
    }

    [Fact]
    public async Task The_manageable_lists_show_the_scanned_storage_and_the_volumes_sorted_and_paged_as_Cinder_does()
    {
        var t = NewTenant();
        var host = await CephServiceAsync();
        var (a, b, c) = (Unique("zz-a"), Unique("zz-b"), Unique("zz-c"));
        var now = DateTime.UtcNow;
        await using (var db = Host.NewDb())
        {
            db.ManageableImages.AddRange(
                new ManageableImage("ceph", a, 3L << 30, watchers: 0, snapshots: 0, parent: null, now),
                new ManageableImage("ceph", b, 1, watchers: 1, snapshots: 0, parent: null, now),
                new ManageableImage("ceph", c, (1L << 30) + 1, watchers: 0, snapshots: 2, parent: null, now),
                new ManageableImage("ceph-fast", Unique("zz-elsewhere"), 1, 0, 0, null, now));
            await db.SaveChangesAsync();
        }
        // Other tests' volumes share the backend: this one's size puts it first by size, and this test's names (test…)
        // sort before every volume-… by reference, so each is on the first page of its sort.
        var volume = await Host.VolumeAsync(t.ProjectId, size: 977);
        try
        {
            var bySize = (await t.Admin.Get($"manageable_volumes/detail?host={host}&sort=size:desc&limit=50", "3.8")).ShouldHave(200)
                .Json.GetProperty("manageable-volumes").EnumerateArray();
            var byReference = (await t.Admin.Get($"manageable_volumes/detail?host={host}&sort=reference:asc", "3.8")).ShouldHave(200)
                .Json.GetProperty("manageable-volumes").EnumerateArray();
            var mine = bySize.Concat(byReference).DistinctBy(e => e.GetProperty("reference").GetProperty("source-name").GetString())
                .ToDictionary(e => e.GetProperty("reference").GetProperty("source-name").GetString()!);
            mine.Keys.ShouldNotContain(Unique("zz-elsewhere"));
            mine[a].Keys().ShouldBe(["reference", "size", "safe_to_manage", "reason_not_safe", "cinder_id", "extra_info"]);
            mine[a].GetProperty("size").GetInt32().ShouldBe(3);
            mine[a].GetProperty("safe_to_manage").GetBoolean().ShouldBeTrue();
            mine[b].GetProperty("size").GetInt32().ShouldBe(1);
            mine[b].GetProperty("reason_not_safe").GetString().ShouldBe("volume in use");
            mine[c].GetProperty("size").GetInt32().ShouldBe(2);
            mine[c].GetProperty("safe_to_manage").GetBoolean().ShouldBeTrue("its snapshots come along, for os-snapshot-manage to adopt");
            var owned = mine[$"volume-{volume.Id}"];
            owned.GetProperty("size").GetInt32().ShouldBe(977);
            owned.GetProperty("safe_to_manage").GetBoolean().ShouldBeFalse();
            owned.GetProperty("reason_not_safe").GetString().ShouldBe("already managed");
            owned.GetProperty("cinder_id").GetGuid().ShouldBe(volume.Id);

            // Summary, sorted by reference ascending, after a marker.
            var marker = Uri.EscapeDataString($"{{\"source-name\": \"{a}\"}}");
            var page = (await t.Admin.Get($"manageable_volumes?host={host}&sort=reference:asc&limit=1&marker={marker}", "3.8")).ShouldHave(200)
                .Json.GetProperty("manageable-volumes").EnumerateArray().Single();
            page.Keys().ShouldBe(["reference", "size", "safe_to_manage"]);
            page.GetProperty("reference").GetProperty("source-name").GetString().ShouldBe(b);
            // Before 3.8 through os-volume-manage; reference descending by default.
            var after = Uri.EscapeDataString($"{{\"source-name\": \"{c}\"}}");
            var legacy = (await t.Admin.Get($"os-volume-manage?host={host}&marker={after}&limit=2")).ShouldHave(200).Json.GetProperty("manageable-volumes")
                .EnumerateArray().Select(e => e.GetProperty("reference").GetProperty("source-name").GetString()!).ToList();
            legacy.ShouldBe([b, a]);

            (await t.Member.Get($"manageable_volumes?host={host}", "3.8")).ShouldBeFault(403, "forbidden");
            (await t.Admin.Get($"manageable_volumes?host={host}", "3.7")).ShouldBeFault(404, "itemNotFound");
            (await t.Admin.Get("manageable_volumes", "3.8")).ShouldBeFault(400, "badRequest").ShouldBe("Invalid input received: Host field is missing.");
            (await t.Admin.Get("manageable_volumes?host=nowhere@ceph", "3.8")).ShouldBeFault(404, "itemNotFound");
            (await t.Admin.Get($"manageable_volumes?host={host}&sort=name", "3.8")).ShouldBeFault(400, "badRequest").ShouldBe("Invalid sort keys passed: name");
            (await t.Admin.Get($"manageable_volumes?host={host}&sort=size:up", "3.8")).ShouldBeFault(400, "badRequest").ShouldBe("Invalid sort dirs passed: up");
            (await t.Admin.Get($"manageable_volumes?host={host}&marker=zz", "3.8")).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid input received: marker zz can not be analysed, please use json like format");
            (await t.Admin.Get($"manageable_volumes?host={host}&limit=-1", "3.8")).ShouldBeFault(400, "badRequest").ShouldBe("limit param must be positive");
            (await t.Admin.Get($"manageable_volumes?host={host}&cluster=c", "3.17")).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid input received: One and only one of cluster and host must be set.");
        }
        finally
        {
            await ForgetServiceAsync(host);
        }
    }

    [Fact]
    public async Task An_unmanage_moves_the_volume_to_unmanaging_for_the_worker_and_is_refused_as_a_delete_would_be()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        var withSnapshot = await Host.VolumeAsync(t.ProjectId);
        await Host.SnapshotAsync(withSnapshot);
        var inUse = await Host.VolumeAsync(t.ProjectId, VolumeStatus.InUse);
        var onFiles = await Host.VolumeAsync(t.ProjectId, backend: "local");
        await using var probe = await BusProbe.ListenAsync(typeof(UnmanageVolume));
        var unmanage = Action("os-unmanage", (object?)null!);

        (await t.Member.Post($"volumes/{volume.Id}/action", unmanage)).ShouldBeFault(403, "forbidden");
        (await t.Admin.Post($"volumes/{withSnapshot.Id}/action", unmanage)).ShouldBeFault(400, "badRequest").ShouldBe($"Invalid volume: {Volume.DeleteRefused}");
        (await t.Admin.Post($"volumes/{inUse.Id}/action", unmanage)).ShouldBeFault(400, "badRequest").ShouldBe($"Invalid volume: {Volume.DeleteRefused}");
        (await t.Admin.Post($"volumes/{onFiles.Id}/action", unmanage)).ShouldBeFault(400, "badRequest").ShouldContain("cannot unmanage them");

        (await t.Admin.Post($"volumes/{volume.Id}/action", unmanage)).ShouldHave(202);
        (await t.Member.Get($"volumes/{volume.Id}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("unmanaging");
        (await probe.WaitForAsync(volume.Id.ToString(), TimeSpan.FromSeconds(15))).ShouldNotBeNull("the worker is sent the unmanage");
        // Unmanaging: neither a delete nor a second unmanage, and no admin may reset a volume to it.
        (await t.Admin.Post($"volumes/{volume.Id}/action", unmanage)).ShouldBeFault(400, "badRequest");
        (await t.Member.Delete($"volumes/{volume.Id}")).ShouldBeFault(400, "badRequest");
        (await t.Admin.Post($"volumes/{inUse.Id}/action", Action("os-reset_status", new { status = "unmanaging" }))).ShouldBeFault(400, "badRequest");
    }
}
