using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Jobs;
using BlockStore.Core.Messages;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Worker.Hosting;
using BlockStore.Worker.Images;
using BlockStore.Worker.Reconciliation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Volumes;

/// <summary>
/// The worker's half of the volume operations. Each starts from the row: a volume that is no longer in
/// the status the command expects has been handled already (redelivery) or overtaken, and is left alone.
/// The backend call is idempotent, and the result commits with its events through the outbox.
/// </summary>
public sealed partial class VolumeService(BlockStoreDbContext db, VolumeBackends backends, QuotaService quotas, Failures failures,
    ImageService images, BackendGate gate, IServiceScopeFactory scopes, IOptions<ReconcilerOptions> reconciler, TimeProvider clock, IConfiguration configuration,
    ILogger<VolumeService> logger)
{
    private const long Gib = 1L << 30;
    private int MaxCloneDepth => configuration.GetValue("Volumes:MaxCloneDepth", 5);

    public async Task CreateAsync(Guid volumeId, CancellationToken ct)
    {
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
        if (volume is not { Status: VolumeStatus.Creating }) { LogSkipped(volumeId, "create", volume?.Status.ToWire()); return; }
        if (await gate.IsDisabledAsync(db, volume.Backend, ct))
        {
            await FailAsync(volume, new InvalidOperationException(
                    $"No valid backend was found: every volume service of backend '{volume.Backend}' is disabled (os-services)."),
                VolumeStatus.Error, "create", UserMessageEvents.VolumeCreateFailed, "could not be created", ct);
            return;
        }
        var backend = backends.Get(volume.Backend);
        if (volume.ManagingFrom is not null)
        {
            await ManageAsync(volume, backend, ct);
            return;
        }
        try
        {
            await using var alive = StatusHeartbeat.OfVolume(scopes, volumeId, VolumeStatus.Creating, reconciler.Value.StuckAfter, clock);
            if (volume.SnapshotId is { } snapshotId)
            {
                var snapshot = await db.Snapshots.AsNoTracking().FirstAsync(s => s.Id == snapshotId, ct);
                var parent = await db.Volumes.AsNoTracking().FirstAsync(v => v.Id == snapshot.VolumeId, ct);
                await backend.CloneAsync(parent.ImageName, snapshot.BackendName, volume.ImageName, volume.Size * Gib, ct);
            }
            else if (volume.SourceVolumeId is { } sourceId)
            {
                var source = await db.Volumes.AsNoTracking().FirstAsync(v => v.Id == sourceId, ct);
                await backend.CreateSnapshotAsync(source.ImageName, Snapshot.CloneBackendName(volume.Id), ct);
                await backend.CloneAsync(source.ImageName, Snapshot.CloneBackendName(volume.Id), volume.ImageName, volume.Size * Gib, ct);
            }
            else if (volume.ImageId is { } imageId)
            {
                await images.CreateVolumeAsync(imageId, backend, volume.ImageName, volume.Size * Gib, ct);
            }
            else
            {
                await backend.CreateAsync(volume.ImageName, volume.Size * Gib, ct);
            }
            if (volume.Multiattach) await backend.SetSharedAsync(volume.ImageName, shared: true, ct);
            // The type's back-end limits; a clone starts with its parent's, which go unless its type has the same.
            var qos = await QosSpecs.BackEndOfTypeAsync(db, volume.VolumeTypeId, ct);
            if (qos.Count > 0 || volume.IsClone) await backend.ApplyQosAsync(volume.ImageName, qos, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await FailAsync(volume, ex, VolumeStatus.Error, "create", UserMessageEvents.VolumeCreateFailed, "could not be created", ct);
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        MarkCreated(volume, now);
        db.Enqueue(new VolumeCreated(volume.Id, volume.ProjectId, volume.Size, volume.Backend, now), now);
        if (volume.IsClone && await backend.CloneDepthAsync(volume.ImageName, ct) > MaxCloneDepth)
        {
            // Deep chains slow every read; detach this one in the background, never on the request path.
            var job = Job.Start(FlattenJob.Kind, volume.Id, volume.ProjectId, now);
            db.Jobs.Add(job);
            db.Enqueue(new FlattenVolume(job.Id, volume.Id), now);
        }
        await ConflictRetry.SaveAsync(db, _ => ResolveCreateConflictAsync(volume, backend, now, ct), ct);
    }

    private static void MarkCreated(Volume volume, DateTime now)
    {
        volume.MarkAvailable(now);
        if (volume.ImageId is not null) volume.MarkBootable(true, now);
    }

    /// <summary>
    /// The row changed under a finished create. True when the save should be tried again: the volume is still
    /// <c>creating</c>, so only its status time moved (this create's heartbeat, or the reconciler sending the command
    /// again), and the create completes on the row as it is now. Otherwise the row decides, and false ends the create.
    /// </summary>
    private async Task<bool> ResolveCreateConflictAsync(Volume volume, IVolumeBackend backend, DateTime now, CancellationToken ct)
    {
        var status = await db.Volumes.AsNoTracking().Where(v => v.Id == volume.Id).Select(v => (VolumeStatus?)v.Status).FirstOrDefaultAsync(ct);
        if (status == VolumeStatus.Creating)
        {
            await db.Entry(volume).ReloadAsync(ct);
            MarkCreated(volume, now);
            return true;
        }
        if (status is null)
        {
            // A duplicate delivery, slow in the backend, outlived the volume: what it just made has no owner.
            LogCompensated(volume.Id);
            await backend.DeleteAsync(volume.ImageName, ct);
        }
        else if (status == VolumeStatus.Deleting)
        {
            // The other delivery won and the volume is being deleted; if its delete ran before our backend call,
            // we made the image again. Removing it here would race the delete (EBUSY on an open image), so the
            // reconciler's orphan sweep removes it once the row is gone.
            LogLeftToSweep(volume.Id);
        }
        // Any other status (another delivery made it available first, or the reconciler gave up): the row decides.
        return false;
    }

    public async Task DeleteAsync(Guid volumeId, CancellationToken ct)
    {
        // One removal per volume across workers: the reconciler re-drives a delete that runs past StuckAfter, and two
        // rbd_remove calls on one image can hang or abort librbd. The one already removing it finishes the delete;
        // the row is read under the lock, so a delivery that gets it just after sees that delete's outcome.
        await using var removing = await SessionLock.TryTakeAsync(db, volumeId, ct);
        if (removing is null) { LogAlreadyRemoving(volumeId); return; }
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
        if (volume is not { Status: VolumeStatus.Deleting }) { LogSkipped(volumeId, "delete", volume?.Status.ToWire()); return; }
        var backend = backends.Get(volume.Backend);
        var snapshots = await db.Snapshots.Where(s => s.VolumeId == volumeId).ToListAsync(ct);
        try
        {
            // The API refuses these; one recorded since (a snapshot unmanaged as an admin's force-delete came in) is
            // still data BlockStore was never given, and stays.
            if (await db.ForeignSnapshots.Where(f => f.VolumeId == volumeId).Select(f => f.Name).ToListAsync(ct) is { Count: > 0 } foreign)
                throw new InvalidOperationException(ForeignSnapshot.Refusal(volumeId, foreign));
            // Snapshots with clones stay inside the hidden image, which is removed once the clones are gone.
            if (!await backend.DeleteAsync(volume.ImageName, ct)) LogDeferred(volumeId);
            if (volume.SourceVolumeId is { } sourceId) await ReleaseCloneSnapshotAsync(backend, sourceId, volumeId, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await FailAsync(volume, ex, VolumeStatus.ErrorDeleting, "delete", UserMessageEvents.VolumeDeleteFailed, "could not be deleted", ct);
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var countedSnapshots = snapshots.Where(s => !s.Hidden).ToList();
        // An extend the delete cut short (an admin's force-delete) had charged its growth too.
        await quotas.ReleaseAsync(volume.ProjectId, 1, volume.Size + volume.AbandonExtend() + countedSnapshots.Sum(s => s.Size), countedSnapshots.Count, ct);
        db.Snapshots.RemoveRange(snapshots);
        db.Volumes.Remove(volume);
        foreach (var s in countedSnapshots) db.Enqueue(new SnapshotDeleted(s.Id, volumeId, volume.ProjectId, now), now);
        db.Enqueue(new VolumeStatusChanged(volume.Id, volume.ProjectId, VolumeStatus.Deleting.ToWire(), "deleted", now), now);
        db.Enqueue(new VolumeDeleted(volume.Id, volume.ProjectId, now), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task ExtendAsync(Guid volumeId, int newSize, CancellationToken ct)
    {
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
        // The row says which extend is running: a late copy of an earlier one (another size) must not complete this one.
        if (volume is not { Status: VolumeStatus.Extending } || volume.ExtendingTo != newSize)
        {
            LogSkipped(volumeId, $"extend to {newSize} GiB", volume?.Status.ToWire());
            return;
        }
        try
        {
            await backends.Get(volume.Backend).ResizeAsync(volume.ImageName, newSize * Gib, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, volumeId, "extend");
            await using var failTx = await db.Database.BeginTransactionAsync(ct);
            await quotas.ReleaseAsync(volume.ProjectId, 0, volume.AbandonExtend(), 0, ct);
            failures.VolumeFailed(volume, VolumeStatus.ErrorExtending, "extend", UserMessageEvents.VolumeExtendFailed,
                $"Volume {volume.Id} could not be extended to {newSize} GiB. {Failures.Describe(ex)}");
            await db.SaveChangesAsync(ct);
            await failTx.CommitAsync(ct);
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        volume.CompleteExtend(newSize, now);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Error status, user message and event for a failed backend call, committed together.</summary>
    private async Task FailAsync(Volume volume, Exception ex, VolumeStatus errorStatus, string operation, string eventId, string what,
        CancellationToken ct)
    {
        LogFailed(ex, volume.Id, operation);
        failures.VolumeFailed(volume, errorStatus, operation, eventId, $"Volume {volume.Id} {what}. {Failures.Describe(ex)}");
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Once a clone no longer needs its source's snapshot (deleted or flattened), the snapshot goes.</summary>
    public async Task ReleaseCloneSnapshotAsync(IVolumeBackend backend, Guid sourceId, Guid cloneId, CancellationToken ct)
    {
        var source = await db.Volumes.AsNoTracking().FirstOrDefaultAsync(v => v.Id == sourceId, ct);
        if (source is not null) await backend.DeleteSnapshotAsync(source.ImageName, Snapshot.CloneBackendName(cloneId), ct);
    }

    [LoggerMessage(LogLevel.Information, "Volume {VolumeId}: {Operation} skipped, status is {Status}")]
    private partial void LogSkipped(Guid volumeId, string operation, string? status);

    [LoggerMessage(LogLevel.Information, "Volume {VolumeId}: delete skipped, another delivery is removing its image")]
    private partial void LogAlreadyRemoving(Guid volumeId);

    [LoggerMessage(LogLevel.Warning, "Volume {VolumeId}: {Operation} failed")]
    private partial void LogFailed(Exception ex, Guid volumeId, string operation);

    [LoggerMessage(LogLevel.Warning, "Volume {VolumeId} was deleted while a duplicate create ran; its new image was removed")]
    private partial void LogCompensated(Guid volumeId);

    [LoggerMessage(LogLevel.Warning, "Volume {VolumeId} is being deleted while a duplicate create ran; an image it made again is left to the orphan sweep")]
    private partial void LogLeftToSweep(Guid volumeId);

    [LoggerMessage(LogLevel.Information, "Volume {VolumeId}: clones still use its snapshots; the image is hidden and removed later")]
    private partial void LogDeferred(Guid volumeId);
}
