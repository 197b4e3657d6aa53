using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Messages;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using BlockStore.Worker.Hosting;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Volumes;

/// <summary>Reverting a volume to its latest snapshot (<c>revert</c>, 3.40).</summary>
public sealed partial class VolumeService
{
    /// <summary>
    /// Rolls the volume back to the snapshot, then both return to <c>available</c>; on a failure the volume is in
    /// <c>error</c> (its data may be partly rolled back) and the snapshot <c>available</c>, as in Cinder. The rollback
    /// rewrites the whole image, so the row is stamped while it runs; and it is idempotent, so a revert the reconciler
    /// sends again after a worker died simply runs again.
    /// </summary>
    public async Task RevertAsync(Guid volumeId, Guid snapshotId, CancellationToken ct)
    {
        // One rollback of an image at a time: a second delivery while the first still runs waits for nothing and leaves.
        await using var reverting = await SessionLock.TryTakeAsync(db, volumeId, ct);
        if (reverting is null) { LogSkipped(volumeId, "revert", "reverting (another delivery is at it)"); return; }
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
        var snapshot = await db.Snapshots.FirstOrDefaultAsync(s => s.Id == snapshotId && s.VolumeId == volumeId, ct);
        if (volume is not { Status: VolumeStatus.Reverting } || snapshot is not { Status: SnapshotStatus.Restoring })
        {
            LogSkipped(volumeId, $"revert to snapshot {snapshotId}", volume?.Status.ToWire());
            return;
        }
        try
        {
            await using var alive = StatusHeartbeat.OfVolume(scopes, volumeId, VolumeStatus.Reverting, reconciler.Value.StuckAfter, clock);
            await backends.Get(volume.Backend).RevertToSnapshotAsync(volume.ImageName, snapshot.BackendName, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await ReloadAsync(volume, snapshot, ct);
            if (volume.Status != VolumeStatus.Reverting) return;
            if (snapshot.Status == SnapshotStatus.Restoring) snapshot.MarkAvailable(clock.GetUtcNow().UtcDateTime);
            await FailAsync(volume, ex, VolumeStatus.Error, "revert", UserMessageEvents.RevertFailed,
                $"could not be reverted to snapshot {snapshot.Id}", ct);
            return;
        }
        // The heartbeat stamped the row while librbd worked: read it again and finish on the row as it is now.
        await ReloadAsync(volume, snapshot, ct);
        if (volume.Status != VolumeStatus.Reverting) { LogSkipped(volumeId, "revert's end", volume.Status.ToWire()); return; }
        var now = clock.GetUtcNow().UtcDateTime;
        volume.CompleteRevert(now);
        if (snapshot.Status == SnapshotStatus.Restoring) snapshot.MarkAvailable(now);
        await db.SaveChangesAsync(ct);
    }

    private async Task ReloadAsync(Volume volume, Snapshot snapshot, CancellationToken ct)
    {
        await db.Entry(volume).ReloadAsync(ct);
        await db.Entry(snapshot).ReloadAsync(ct);
    }
}
