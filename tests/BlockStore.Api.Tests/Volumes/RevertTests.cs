using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary><c>revert</c> (3.40): Cinder's checks, in Cinder's order and words, and what an accepted revert commits.</summary>
public sealed class RevertTests : ApiTest
{
    private static Dictionary<string, object> Revert(object? snapshotId) => Action("revert", new { snapshot_id = snapshotId });

    [Fact]
    public async Task An_accepted_revert_moves_the_volume_to_reverting_and_its_snapshot_to_restoring_and_reaches_the_bus()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        await Host.SnapshotAsync(volume);
        var latest = await Host.SnapshotAsync(volume);
        await using var probe = await BusProbe.ListenAsync(typeof(RevertVolume));

        (await t.Member.Post($"volumes/{volume.Id}/action", Revert(latest.Id), "3.40")).ShouldHave(202);

        await using var db = Host.NewDb();
        (await db.Volumes.SingleAsync(v => v.Id == volume.Id)).Status.ShouldBe(VolumeStatus.Reverting);
        (await db.Snapshots.SingleAsync(s => s.Id == latest.Id)).Status.ShouldBe(SnapshotStatus.Restoring);
        (await t.Member.Get($"volumes/{volume.Id}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("reverting");
        var message = await probe.WaitForAsync(volume.Id.ToString(), TimeSpan.FromSeconds(15));
        message.ShouldNotBeNull("the outbox dispatcher should publish RevertVolume within seconds of the commit");
        message.ShouldContain(latest.Id.ToString());
    }

    [Fact]
    public async Task A_revert_is_refused_as_Cinder_refuses_it_and_changes_nothing()
    {
        var t = NewTenant();
        var bare = await Host.VolumeAsync(t.ProjectId);
        (await t.Member.Post($"volumes/{bare.Id}/action", Revert(Guid.NewGuid()), "3.40")).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Volume {bare.Id} doesn't have any snapshots.");

        var volume = await Host.VolumeAsync(t.ProjectId);
        var older = await Host.SnapshotAsync(volume);
        var latest = await Host.SnapshotAsync(volume);
        var url = $"volumes/{volume.Id}/action";
        (await t.Member.Post(url, Revert(latest.Id), "3.39")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post(url, Revert(older.Id), "3.40")).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Specified snapshot {older.Id} is None or not the latest one of volume {volume.Id}.");
        (await t.Member.Post(url, Revert(null), "3.40")).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Specified snapshot None is None or not the latest one of volume {volume.Id}.");
        (await t.Reader.Post(url, Revert(latest.Id), "3.40")).ShouldBeFault(403, "forbidden");
        (await NewTenant().Member.Post(url, Revert(latest.Id), "3.40")).ShouldBeFault(404, "itemNotFound");

        await using (var db = Host.NewDb())
        {
            await db.Volumes.Where(v => v.Id == volume.Id).ExecuteUpdateAsync(s => s.SetProperty(v => v.Size, 2));
        }
        (await t.Member.Post(url, Revert(latest.Id), "3.40")).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Can't revert volume {volume.Id} to its latest snapshot {latest.Id}. The volume size must be equal to the snapshot size.");

        var busy = await Host.VolumeAsync(t.ProjectId, VolumeStatus.Extending);
        var busySnapshot = await Host.SnapshotAsync(busy);
        (await t.Member.Post($"volumes/{busy.Id}/action", Revert(busySnapshot.Id), "3.40")).ShouldBeFault(409, "conflictingRequest")
            .ShouldBe($"Invalid volume: Can't revert volume {busy.Id} to its latest snapshot {busySnapshot.Id}. Volume's status must be 'available'.");
        var errored = await Host.VolumeAsync(t.ProjectId);
        var erroredSnapshot = await Host.SnapshotAsync(errored, SnapshotStatus.Error);
        (await t.Member.Post($"volumes/{errored.Id}/action", Revert(erroredSnapshot.Id), "3.40")).ShouldBeFault(409, "conflictingRequest")
            .ShouldBe($"Invalid snapshot: Can't revert volume {errored.Id} to its latest snapshot {erroredSnapshot.Id}. Snapshot's status must be 'available'.");

        await using var check = Host.NewDb();
        (await check.Volumes.Where(v => v.Id == volume.Id || v.Id == busy.Id || v.Id == errored.Id).Select(v => v.Status).ToListAsync())
            .ShouldNotContain(VolumeStatus.Reverting);
        (await check.Snapshots.Where(s => s.VolumeId == volume.Id || s.VolumeId == busy.Id || s.VolumeId == errored.Id).Select(s => s.Status).ToListAsync())
            .ShouldNotContain(SnapshotStatus.Restoring);
    }
}
