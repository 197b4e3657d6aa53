using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Snapshots;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Snapshots;

/// <summary>
/// The snapshot manage API on PostgreSQL: <c>os-snapshot-manage</c> (and <c>manageable_snapshots</c> from 3.8) with
/// Cinder's checks before anything is written, what an accepted manage commits, the lists, <c>os-unmanage</c>, and the
/// refusal to delete or migrate a volume that holds snapshots BlockStore does not manage.
/// </summary>
public sealed class SnapshotManageTests : ManageApiTest
{
    private static object Manage(object volumeId, object? reference, object? extra = null) =>
        ManageRequest("snapshot", new Dictionary<string, object?> { ["volume_id"] = volumeId, ["ref"] = reference }, extra);

    private Task<string> CephServiceAsync() => CephServiceAsync("snapmanage");

    private async Task ForgetServiceAsync(string host)
    {
        await using var db = Host.NewDb();
        await db.Services.Where(s => s.Host == host).ExecuteDeleteAsync();
    }

    private async Task ForeignAsync(Guid volumeId, params string[] names)
    {
        await using var db = Host.NewDb();
        foreach (var name in names) db.ForeignSnapshots.Add(new ForeignSnapshot(volumeId, "ceph", name, 3L << 30, DateTime.UtcNow));
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task An_accepted_manage_creates_a_snapshot_that_names_its_source_charges_it_as_taken_now_and_reaches_the_bus()
    {
        var t = NewTenant();
        var host = await CephServiceAsync();
        var volume = await Host.VolumeAsync(t.ProjectId, size: 5);
        await ForeignAsync(volume.Id, "before-upgrade");
        await using var probe = await BusProbe.ListenAsync(typeof(CreateSnapshot));
        try
        {
            var reply = (await t.Admin.Post("os-snapshot-manage", Manage(volume.Id, Source("before-upgrade"),
                new { name = "adopted", description = (string?)null, metadata = new Dictionary<string, string> { ["k"] = "v" } }))).ShouldHave(202);
            var shown = reply.Json.GetProperty("snapshot");
            shown.GetProperty("status").GetString().ShouldBe("creating");
            shown.GetProperty("size").GetInt32().ShouldBe(5);
            shown.GetProperty("name").GetString().ShouldBe("adopted");
            shown.GetProperty("volume_id").GetGuid().ShouldBe(volume.Id);
            var id = shown.GetProperty("id").GetGuid();
            (await t.Member.Get($"snapshots/{id}")).ShouldHave(200);

            await using (var db = Host.NewDb())
                (await db.Snapshots.SingleAsync(s => s.Id == id)).ManagingFrom.ShouldBe("before-upgrade");
            (await Host.UsageAsync(t.ProjectId, "snapshots")).ShouldBe(1);
            (await Host.UsageAsync(t.ProjectId, "gigabytes")).ShouldBe(5);
            (await probe.WaitForAsync(id.ToString(), TimeSpan.FromSeconds(15))).ShouldNotBeNull("the worker is sent the create");

            // One snapshot at a time adopts a backend snapshot; one that is a snapshot's already is Cinder's refusal.
            (await t.Admin.Post("manageable_snapshots", Manage(volume.Id, Source("before-upgrade")), "3.8")).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid snapshot: Unable to manage existing snapshot. 'before-upgrade' is already being managed by another snapshot.");
            (await t.Admin.Post("os-snapshot-manage", Manage(volume.Id, Source($"snapshot-{id}")))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid snapshot: Unable to manage existing snapshot. The snapshot is already managed");
            (await Host.UsageAsync(t.ProjectId, "snapshots")).ShouldBe(1);
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
        var volume = await Host.VolumeAsync(t.ProjectId);
        var creating = await Host.VolumeAsync(t.ProjectId, Core.Volumes.VolumeStatus.Creating);
        var onFiles = await Host.VolumeAsync(t.ProjectId, backend: "local");
        try
        {
            (await t.Member.Post("os-snapshot-manage", Manage(volume.Id, Source("s")))).ShouldBeFault(403, "forbidden");
            (await t.Admin.Post("manageable_snapshots", Manage(volume.Id, Source("s")), "3.7")).ShouldBeFault(404, "itemNotFound");
            (await t.Admin.Post("os-snapshot-manage", new { snapshot = new { @ref = Source("s") } })).ShouldBeFault(400, "badRequest")
                .ShouldBe("'volume_id' is a required property");
            (await t.Admin.Post("os-snapshot-manage", new { snapshot = new { volume_id = volume.Id } })).ShouldBeFault(400, "badRequest")
                .ShouldBe("'ref' is a required property");
            (await t.Admin.Post("os-snapshot-manage", Manage("not-a-uuid", Source("s")))).ShouldBeFault(400, "badRequest");
            (await t.Admin.Post("os-snapshot-manage", Manage(volume.Id, Source("s"), new { force = true }))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Additional properties are not allowed ('force' was unexpected)");
            (await t.Admin.Post("os-snapshot-manage", Manage(volume.Id, new Dictionary<string, string> { ["source-id"] = "1" }))).ShouldBeFault(400, "badRequest")
                .ShouldBe("Manage existing snapshot failed due to invalid backend reference {\"source-id\":\"1\"}: Reference must contain source-name element.");
            (await t.Admin.Post("os-snapshot-manage", Manage(Guid.NewGuid(), Source("s")))).ShouldBeFault(404, "itemNotFound");
            (await t.Admin.Post("os-snapshot-manage", Manage(creating.Id, Source("s")))).ShouldBeFault(400, "badRequest")
                .ShouldContain("status must be available, in-use");
            (await t.Admin.Post("os-snapshot-manage", Manage(onFiles.Id, Source("s")))).ShouldBeFault(400, "badRequest")
                .ShouldContain("plain files");
            // BlockStore's own backend snapshots: a clone's, and an upload's.
            (await t.Admin.Post("os-snapshot-manage", Manage(volume.Id, Source($"clone-{Guid.NewGuid()}")))).ShouldBeFault(400, "badRequest")
                .ShouldContain("is BlockStore's own (used for clone snap)");
            (await t.Admin.Post("os-snapshot-manage", Manage(volume.Id, Source($"image-image-{Guid.NewGuid()}")))).ShouldBeFault(400, "badRequest")
                .ShouldContain("used for an upload to an image");

            (await Host.UsageAsync(t.ProjectId, "snapshots")).ShouldBe(0);
            await using var db = Host.NewDb();
            (await db.Snapshots.CountAsync(s => s.ProjectId == t.ProjectId)).ShouldBe(0);
        }
        finally
        {
            await ForgetServiceAsync(host);
        }
    }

    [Fact]
    public async Task The_lists_show_the_snapshots_blockstore_does_not_manage_with_their_volume_and_its_own_as_already_managed()
    {
        var t = NewTenant();
        var host = await CephServiceAsync();
        var volume = await Host.VolumeAsync(t.ProjectId, size: 7);
        var (a, b) = (Unique("aa-first"), Unique("aa-second"));
        await ForeignAsync(volume.Id, b, a);
        var owned = await Host.SnapshotAsync(volume);
        try
        {
            // Other tests' snapshots share the backend: this volume's are picked out, in the list's order.
            var list = (await AllPagesAsync(t, $"manageable_snapshots/detail?host={host}&sort=reference:asc&limit=500", "3.8"))
                .Where(e => e.GetProperty("source_reference").GetProperty("source-name").GetString() == $"volume-{volume.Id}").ToList();
            list.Select(e => e.GetProperty("reference").GetProperty("source-name").GetString()).ShouldBe([$"snapshot-{owned.Id}", a, b]);
            list[1].Keys().ShouldBe(["reference", "size", "safe_to_manage", "source_reference", "reason_not_safe", "cinder_id", "extra_info"]);
            list[1].GetProperty("size").GetInt32().ShouldBe(3);
            list[1].GetProperty("safe_to_manage").GetBoolean().ShouldBeTrue();
            list[1].GetProperty("reason_not_safe").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);

            var detail = list[0];
            detail.GetProperty("reason_not_safe").GetString().ShouldBe("already managed");
            detail.GetProperty("cinder_id").GetGuid().ShouldBe(owned.Id);
            detail.GetProperty("size").GetInt32().ShouldBe(7);

            // The summary, before 3.8 through os-snapshot-manage, after a marker: reference descending by default.
            var after = Uri.EscapeDataString($"{{\"source-name\": \"{b}\"}}");
            var summary = (await t.Admin.Get($"os-snapshot-manage?host={host}&marker={after}&limit=1")).ShouldHave(200)
                .Json.GetProperty("manageable-snapshots").EnumerateArray().Single();
            summary.Keys().ShouldBe(["reference", "size", "safe_to_manage", "source_reference"]);
            summary.GetProperty("reference").GetProperty("source-name").GetString().ShouldBe(a);

            (await t.Member.Get($"manageable_snapshots?host={host}", "3.8")).ShouldBeFault(403, "forbidden");
            (await t.Admin.Get($"manageable_snapshots?host={host}", "3.7")).ShouldBeFault(404, "itemNotFound");
            (await t.Admin.Get("os-snapshot-manage")).ShouldBeFault(400, "badRequest").ShouldBe("Invalid input received: Host field is missing.");
            (await t.Admin.Get("os-snapshot-manage?host=nowhere@ceph")).ShouldBeFault(404, "itemNotFound");
            (await t.Admin.Get($"os-snapshot-manage?host={host}&sort=name")).ShouldBeFault(400, "badRequest").ShouldBe("Invalid sort keys passed: name");
        }
        finally
        {
            await ForgetServiceAsync(host);
        }
    }

    /// <summary>Every entry of a manageable list, page after page by marker.</summary>
    private static async Task<List<System.Text.Json.JsonElement>> AllPagesAsync(Tenant t, string url, string version)
    {
        var all = new List<System.Text.Json.JsonElement>();
        string? marker = null;
        while (true)
        {
            var page = (await t.Admin.Get(url + (marker is null ? "" : $"&marker={Uri.EscapeDataString($"{{\"source-name\": \"{marker}\"}}")}"), version))
                .ShouldHave(200).Json.GetProperty("manageable-snapshots").EnumerateArray().ToList();
            all.AddRange(page);
            if (page.Count < 500) return all;
            marker = page[^1].GetProperty("reference").GetProperty("source-name").GetString();
        }
    }

    [Fact]
    public async Task A_volume_with_snapshots_blockstore_does_not_manage_is_neither_deleted_nor_migrated()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        await ForeignAsync(volume.Id, "zeta", "alpha");
        var refusal = $"Invalid volume: {ForeignSnapshot.Refusal(volume.Id, ["alpha", "zeta"])}";

        (await t.Member.Delete($"volumes/{volume.Id}")).ShouldBeFault(400, "badRequest").ShouldBe(refusal);
        (await t.Member.Delete($"volumes/{volume.Id}?cascade=true")).ShouldBeFault(400, "badRequest").ShouldBe(refusal);
        (await t.Admin.Delete($"volumes/{volume.Id}?force=true", "3.23")).ShouldBeFault(400, "badRequest").ShouldBe(refusal);
        (await t.Admin.Post($"volumes/{volume.Id}/action", Action("os-force_delete", (object?)null!))).ShouldBeFault(400, "badRequest").ShouldBe(refusal);
        (await t.Admin.Post($"volumes/{volume.Id}/action", Action("os-migrate_volume", new { host = "local" }))).ShouldBeFault(400, "badRequest")
            .ShouldBe(refusal);
        (await t.Member.Get($"volumes/{volume.Id}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("available");

        // Once they are gone (adopted and deleted, or removed from the backend and forgotten by the scan), it goes.
        await using (var db = Host.NewDb()) await db.ForeignSnapshots.Where(f => f.VolumeId == volume.Id).ExecuteDeleteAsync();
        (await t.Member.Delete($"volumes/{volume.Id}")).ShouldHave(202);
    }

    [Fact]
    public async Task An_unmanage_moves_the_snapshot_to_unmanaging_for_the_worker_and_is_refused_as_a_delete_would_be()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        var snapshot = await Host.SnapshotAsync(volume);
        var creating = await Host.SnapshotAsync(volume, SnapshotStatus.Creating);
        var onFiles = await Host.SnapshotAsync(await Host.VolumeAsync(t.ProjectId, backend: "local"));
        await using var probe = await BusProbe.ListenAsync(typeof(UnmanageSnapshot));
        var unmanage = Action("os-unmanage", (object?)null!);

        (await t.Member.Post($"snapshots/{snapshot.Id}/action", unmanage)).ShouldBeFault(403, "forbidden");
        (await t.Admin.Post($"snapshots/{creating.Id}/action", unmanage)).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid snapshot: {Snapshot.DeleteRefused}");
        (await t.Admin.Post($"snapshots/{onFiles.Id}/action", unmanage)).ShouldBeFault(400, "badRequest").ShouldContain("cannot unmanage snapshots");
        (await t.Admin.Post($"snapshots/{Guid.NewGuid()}/action", unmanage)).ShouldBeFault(404, "itemNotFound");

        (await t.Admin.Post($"snapshots/{snapshot.Id}/action", unmanage)).ShouldHave(202);
        (await t.Member.Get($"snapshots/{snapshot.Id}")).Json.GetProperty("snapshot").GetProperty("status").GetString().ShouldBe("unmanaging");
        (await probe.WaitForAsync(snapshot.Id.ToString(), TimeSpan.FromSeconds(15))).ShouldNotBeNull("the worker is sent the unmanage");
        // Unmanaging: neither a delete nor a second unmanage; and the volume keeps it, so it is not deleted either.
        (await t.Admin.Post($"snapshots/{snapshot.Id}/action", unmanage)).ShouldBeFault(400, "badRequest");
        (await t.Member.Delete($"snapshots/{snapshot.Id}")).ShouldBeFault(400, "badRequest");
        (await t.Member.Delete($"volumes/{volume.Id}")).ShouldBeFault(400, "badRequest");
        // No admin may reset a snapshot to it: the reconciler would let the snapshot go.
        (await t.Admin.Post($"snapshots/{creating.Id}/action", Action("os-reset_status", new { status = "unmanaging" }))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: 'unmanaging' is not a valid snapshot status.");
    }
}
