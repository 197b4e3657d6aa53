using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Messages;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Worker.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Snapshots;

/// <summary>Adopting a backend snapshot taken outside BlockStore (<c>os-snapshot-manage</c>) and letting one go (<c>os-unmanage</c>).</summary>
public sealed partial class SnapshotService
{
    /// <summary>
    /// The create of a snapshot that adopts a backend snapshot of its volume: its size is read and the charge made at
    /// the request corrected to it (in whole GiB, rounded up), then the backend snapshot is renamed to the snapshot's
    /// name and protected, data and clones untouched, and the snapshot is available. Charged before the rename, so a
    /// snapshot over its quota leaves the backend snapshot as it was. A delivery after a crash finds it renamed already
    /// and finishes. Every refusal ends in <c>error</c> with a message.
    /// </summary>
    private async Task ManageAsync(Snapshot snapshot, Volume volume, CancellationToken ct)
    {
        await using var managing = await SessionLock.TryTakeAsync(db, snapshot.Id, ct);
        if (managing is null) return; // another delivery is at it
        await db.Entry(snapshot).ReloadAsync(ct);
        if (snapshot is not { Status: SnapshotStatus.Creating, ManagingFrom: { } source }) return;
        var backend = backends.Get(volume.Backend);
        try
        {
            if (!backend.CanManageExisting) throw new InvalidRequestException($"Backend '{backend.Name}' cannot manage existing snapshots.");
            var snapshots = await backend.ListSnapshotsAsync(volume.ImageName, ct);
            var stored = snapshots.FirstOrDefault(s => s.Name == snapshot.BackendName) // an earlier delivery renamed it
                ?? snapshots.FirstOrDefault(s => s.Name == source)
                ?? throw InvalidReference(source, $"Specified snapshot does not exist on volume {volume.Id}'s storage.");
            await ChargeManagedSizeAsync(snapshot, volume, ManageableImage.SizeInGb(stored.SizeBytes), ct);
            await backend.AdoptSnapshotAsync(volume.ImageName, source, snapshot.BackendName, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A refused charge rolled back; the row is read again either way, and is failed only if it is still ours.
            db.ChangeTracker.Clear();
            var current = await db.Snapshots.FirstOrDefaultAsync(s => s.Id == snapshot.Id, ct);
            if (current is not { Status: SnapshotStatus.Creating }) return;
            LogFailed(ex, snapshot.Id, "manage");
            current.MarkFailed(SnapshotStatus.Error, clock.GetUtcNow().UtcDateTime);
            var reason = Failures.Reason(ex);
            failures.Record(current.ProjectId, "VOLUME_SNAPSHOT", current.Id, "snapshot_manage", UserMessageEvents.SnapshotManageFailed,
                $"Snapshot {current.Id} could not manage '{source}' of volume {volume.Id}. {reason}");
            await db.SaveChangesAsync(ct);
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        snapshot.CompleteManage(now);
        await db.ForeignSnapshots.Where(f => f.VolumeId == volume.Id && f.Name == source).ExecuteDeleteAsync(ct);
        db.Enqueue(new SnapshotCreated(snapshot.Id, volume.Id, snapshot.ProjectId, now), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// The snapshot takes the backend snapshot's size, and its project is charged (or given back) the difference from
    /// the volume's size charged at the request, in one commit; nothing the second time.
    /// </summary>
    private async Task ChargeManagedSizeAsync(Snapshot snapshot, Volume volume, int sizeGb, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var charge = snapshot.TakeManagedSize(sizeGb);
        if (charge == 0) return;
        await db.SaveChangesAsync(ct);
        if (charge > 0)
            await quotas.ChargeAsync(snapshot.ProjectId, volume.VolumeTypeId, volumes: 0, gigabytes: charge, snapshots: 0, volumeSize: null, ct);
        else
            await quotas.ReleaseAsync(snapshot.ProjectId, 0, -charge, 0, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Cinder's <c>ManageExistingInvalidReference</c> wording.</summary>
    private static InvalidRequestException InvalidReference(string name, string reason) =>
        InvalidRequestException.InvalidManageReference("snapshot", $"{{'source-name': '{name}'}}", reason);

    /// <summary>
    /// Lets a snapshot's backend snapshot go with its data: it stays on the volume's storage under its name, unprotected,
    /// and is recorded as one that BlockStore does not manage (so that it may be managed again, and so that the volume
    /// is not deleted with it); the row goes, giving its quota back. Refused, with the snapshot as it was and a message,
    /// while clones hang from it. A snapshot whose backend snapshot was never made (an errored create) just goes.
    /// </summary>
    public async Task UnmanageAsync(Guid snapshotId, CancellationToken ct)
    {
        await using var unmanaging = await SessionLock.TryTakeAsync(db, snapshotId, ct);
        if (unmanaging is null) return;
        var snapshot = await db.Snapshots.FirstOrDefaultAsync(s => s.Id == snapshotId, ct);
        if (snapshot is not { Status: SnapshotStatus.Unmanaging, Hidden: false }) return;
        var volume = await db.Volumes.AsNoTracking().FirstAsync(v => v.Id == snapshot.VolumeId, ct);
        var backend = backends.Get(volume.Backend);
        StoredSnapshot? kept;
        try
        {
            if (!await backend.ReleaseSnapshotAsync(volume.ImageName, snapshot.BackendName, ct))
                throw new InvalidRequestException("Volumes made from it still depend on it; delete or flatten those volumes first.");
            kept = (await backend.ListSnapshotsAsync(volume.ImageName, ct)).FirstOrDefault(s => s.Name == snapshot.BackendName);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, snapshotId, "unmanage");
            snapshot.AbandonUnmanage(clock.GetUtcNow().UtcDateTime);
            failures.Record(snapshot.ProjectId, "VOLUME_SNAPSHOT", snapshot.Id, "snapshot_unmanage", UserMessageEvents.SnapshotUnmanageFailed,
                $"Snapshot {snapshot.Id} could not be unmanaged, and is as it was. {Failures.Reason(ex)}");
            await db.SaveChangesAsync(ct);
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await quotas.ReleaseAsync(snapshot.ProjectId, 0, snapshot.Size, 1, ct);
        db.Snapshots.Remove(snapshot);
        if (kept is not null && !await db.ForeignSnapshots.AnyAsync(f => f.VolumeId == volume.Id && f.Name == kept.Name, ct))
            db.ForeignSnapshots.Add(new ForeignSnapshot(volume.Id, volume.Backend, kept.Name, kept.SizeBytes, now));
        db.Enqueue(new SnapshotDeleted(snapshot.Id, snapshot.VolumeId, snapshot.ProjectId, now, kept?.Name), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        LogUnmanaged(snapshotId, volume.Id, kept?.Name ?? "(nothing: it was never made)");
    }

    [LoggerMessage(LogLevel.Information, "Snapshot {SnapshotId} was unmanaged; its data stays on volume {VolumeId}'s storage as {Name}")]
    private partial void LogUnmanaged(Guid snapshotId, Guid volumeId, string name);
}
