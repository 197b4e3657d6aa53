using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Messages;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Storage.Backends;
using BlockStore.Worker.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Snapshots;

/// <summary>Snapshots on the backend: taken and protected; removed, or hidden while clones still need them.</summary>
public sealed partial class SnapshotService(BlockStoreDbContext db, VolumeBackends backends, QuotaService quotas, Failures failures,
    TimeProvider clock, ILogger<SnapshotService> logger)
{
    public async Task CreateAsync(Guid snapshotId, CancellationToken ct)
    {
        var snapshot = await db.Snapshots.FirstOrDefaultAsync(s => s.Id == snapshotId, ct);
        if (snapshot is not { Status: SnapshotStatus.Creating }) return;
        var volume = await db.Volumes.AsNoTracking().FirstAsync(v => v.Id == snapshot.VolumeId, ct);
        if (snapshot.ManagingFrom is not null)
        {
            await ManageAsync(snapshot, volume, ct);
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            var backend = backends.Get(volume.Backend);
            if (!backend.SupportsSnapshots) throw new NotSupportedException($"Backend {backend.Name} does not support snapshots.");
            await backend.CreateSnapshotAsync(volume.ImageName, snapshot.BackendName, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, snapshotId, "create");
            snapshot.MarkFailed(SnapshotStatus.Error, now);
            failures.Record(snapshot.ProjectId, "VOLUME_SNAPSHOT", snapshot.Id, "snapshot_create", UserMessageEvents.SnapshotCreateFailed,
                $"Snapshot {snapshot.Id} of volume {volume.Id} could not be created. {Failures.Describe(ex)}");
            await db.SaveChangesAsync(ct);
            return;
        }
        snapshot.MarkAvailable(now);
        db.Enqueue(new SnapshotCreated(snapshot.Id, volume.Id, snapshot.ProjectId, now), now);
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(Guid snapshotId, CancellationToken ct)
    {
        var snapshot = await db.Snapshots.FirstOrDefaultAsync(s => s.Id == snapshotId, ct);
        // A hidden snapshot's delete is done, its quota given back; the reconciler removes it once its clones are gone.
        // A second delivery of the command must not give the quota back again.
        if (snapshot is not { Status: SnapshotStatus.Deleting, Hidden: false }) return;
        var volume = await db.Volumes.AsNoTracking().FirstAsync(v => v.Id == snapshot.VolumeId, ct);
        bool removed;
        try
        {
            removed = await backends.Get(volume.Backend).DeleteSnapshotAsync(volume.ImageName, snapshot.BackendName, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, snapshotId, "delete");
            snapshot.MarkFailed(SnapshotStatus.ErrorDeleting, clock.GetUtcNow().UtcDateTime);
            failures.Record(snapshot.ProjectId, "VOLUME_SNAPSHOT", snapshot.Id, "snapshot_delete", UserMessageEvents.SnapshotDeleteFailed,
                $"Snapshot {snapshot.Id} could not be deleted. {Failures.Describe(ex)}");
            await db.SaveChangesAsync(ct);
            return;
        }
        await FinishDeleteAsync(snapshot, removed, ct);
    }

    /// <summary>
    /// Retries snapshots hidden because clones needed them (called by the reconciler). Returns how many went. Every
    /// hidden snapshot gets its turn on each pass, a page at a time: those that clones still need, or whose backend
    /// fails, stay and never keep the ones after them waiting. Failures are thrown together once the pass is done.
    /// </summary>
    public async Task<int> PurgeHiddenAsync(CancellationToken ct)
    {
        const int page = 100;
        var (purged, kept, failed) = (0, 0, new List<Exception>());
        while (true)
        {
            // Purged rows leave the ordered set, so the kept ones are the offset of the next page.
            var batch = await db.Snapshots.Where(s => s.Hidden).OrderBy(s => s.Id).Skip(kept).Take(page).ToListAsync(ct);
            foreach (var snapshot in batch)
            {
                if (await TryPurgeAsync(snapshot, failed, ct)) purged++;
                else kept++;
            }
            if (batch.Count < page) break;
        }
        if (failed.Count > 0)
            throw new AggregateException($"{failed.Count} hidden snapshot(s) could not be purged ({purged} were); the next pass tries again", failed.Take(10));
        return purged;
    }

    private async Task<bool> TryPurgeAsync(Snapshot snapshot, List<Exception> failed, CancellationToken ct)
    {
        try
        {
            var volume = await db.Volumes.AsNoTracking().FirstAsync(v => v.Id == snapshot.VolumeId, ct);
            if (!await backends.Get(volume.Backend).DeleteSnapshotAsync(volume.ImageName, snapshot.BackendName, ct)) return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failed.Add(new InvalidOperationException($"Snapshot {snapshot.Id}: {ex.Message}", ex));
            return false;
        }
        db.Snapshots.Remove(snapshot);
        await db.SaveChangesAsync(ct);
        return true;
    }

    private async Task FinishDeleteAsync(Snapshot snapshot, bool removed, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The tenant's quota is given back either way: a hidden snapshot is no longer theirs to see or use.
        await quotas.ReleaseAsync(snapshot.ProjectId, 0, snapshot.Size, 1, ct);
        if (removed) db.Snapshots.Remove(snapshot);
        else { snapshot.Hide(now); LogHidden(snapshot.Id); }
        db.Enqueue(new SnapshotDeleted(snapshot.Id, snapshot.VolumeId, snapshot.ProjectId, now), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    [LoggerMessage(LogLevel.Warning, "Snapshot {SnapshotId}: {Operation} failed")]
    private partial void LogFailed(Exception ex, Guid snapshotId, string operation);

    [LoggerMessage(LogLevel.Information, "Snapshot {SnapshotId} has clones; it is hidden and removed once they are gone")]
    private partial void LogHidden(Guid snapshotId);
}
