using BlockStore.Contracts;
using BlockStore.Core.Backups;
using BlockStore.Core.Data;
using BlockStore.Core.Jobs;
using BlockStore.Core.Messages;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Worker.Backups;
using BlockStore.Worker.Images;
using BlockStore.Worker.Snapshots;
using BlockStore.Worker.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Reconciliation;

/// <summary>
/// Makes sure nothing stays in a transitional status. A volume or snapshot stuck in creating, deleting,
/// extending, reverting or unmanaging has its command sent again (the consumers are idempotent) until <see cref="ReconcilerOptions.GiveUpAfter"/>,
/// then it is failed with a user message. It also finishes deferred removals, removes images without
/// rows and reports rows without images. No operator reset-state should be needed.
/// </summary>
public sealed partial class Reconciler(IServiceScopeFactory scopes, IOptions<ReconcilerOptions> options, TimeProvider clock,
    ILogger<Reconciler> logger) : BackgroundService
{

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// One pass. Each step runs in its own scope and its own try: a step that fails (a database conflict, a
    /// backend that cannot be reached) is logged and the others still run, above all the orphan sweep.
    /// </summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await StepAsync("redrive volumes", sp => RedriveVolumesAsync(sp.GetRequiredService<BlockStoreDbContext>(), sp.GetRequiredService<Failures>(),
            sp.GetRequiredService<QuotaService>(), ct), ct);
        await StepAsync("redrive snapshots", sp => RedriveSnapshotsAsync(sp.GetRequiredService<BlockStoreDbContext>(), ct), ct);
        await StepAsync("purge hidden snapshots", sp => sp.GetRequiredService<SnapshotService>().PurgeHiddenAsync(ct), ct);
        await StepAsync("redrive jobs", sp => RedriveJobsAsync(sp.GetRequiredService<BlockStoreDbContext>(), sp.GetRequiredService<Failures>(), ct), ct);
        await StepAsync("redrive backup deletes", sp => RedriveBackupDeletesAsync(sp.GetRequiredService<BlockStoreDbContext>(), ct), ct);
        await using var scope = scopes.CreateAsyncScope();
        foreach (var backend in scope.ServiceProvider.GetRequiredService<VolumeBackends>().All)
        {
            await StepAsync($"purge deferred removals on {backend.Name}", _ => backend.PurgeDeferredAsync(ct), ct);
            await StepAsync($"compare {backend.Name} with the rows", sp => CompareWithBackendAsync(sp.GetRequiredService<BlockStoreDbContext>(), backend, ct), ct);
        }
        if (scope.ServiceProvider.GetRequiredService<BackupStore>().Backend is { } backups)
            await StepAsync("compare the backup store with the rows", sp => CompareWithBackupStoreAsync(sp.GetRequiredService<BlockStoreDbContext>(), backups, ct), ct);
        await StepAsync("images", sp => sp.GetRequiredService<ImageReconciler>().RunOnceAsync(ct), ct);
    }

    private async Task StepAsync(string step, Func<IServiceProvider, Task> run, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await run(scope.ServiceProvider);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            LogStepFailed(ex, step);
        }
    }

    private async Task RedriveVolumesAsync(BlockStoreDbContext db, Failures failures, QuotaService quotas, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stuckBefore = now - options.Value.StuckAfter;
        var giveUpBefore = now - options.Value.GiveUpAfter;
        var stuck = await db.Volumes.Where(Volume.Redriven).Where(v => v.StatusChangedAt < stuckBefore)
            .OrderBy(v => v.StatusChangedAt).Take(500).ToListAsync(ct);
        foreach (var volume in stuck)
        {
            // A removal is never given up: it is sent again until it is done (an unmanage is one, with the data kept).
            if ((volume.UpdatedAt ?? volume.CreatedAt) < giveUpBefore && volume.Status is not (VolumeStatus.Deleting or VolumeStatus.Unmanaging))
            {
                var error = volume.Status == VolumeStatus.Extending ? VolumeStatus.ErrorExtending : VolumeStatus.Error;
                var status = volume.Status.ToWire();
                // An extend given up gives back the growth it charged, in the same commit.
                var extendCharge = volume.AbandonExtend();
                // A revert given up leaves its snapshot available again, as a failed one does.
                if (volume.Status == VolumeStatus.Reverting && await RestoringSnapshotAsync(db, volume.Id, ct) is { } restoring)
                    restoring.MarkAvailable(now);
                failures.VolumeFailed(volume, error, status, UserMessageEvents.OperationTimedOut,
                    $"Volume {volume.Id} did not finish {status} within {options.Value.GiveUpAfter.TotalMinutes:0} minutes and was stopped.");
                await using (var tx = await db.Database.BeginTransactionAsync(ct))
                {
                    if (extendCharge > 0) await quotas.ReleaseAsync(volume.ProjectId, 0, extendCharge, 0, ct);
                    if (await SaveOneAsync(db, ct))
                    {
                        await tx.CommitAsync(ct);
                        LogGaveUp(volume.Id, status);
                    }
                }
                continue;
            }
            object? command = volume.Status switch
            {
                VolumeStatus.Creating => new CreateVolume(volume.Id),
                VolumeStatus.Deleting => new DeleteVolume(volume.Id),
                VolumeStatus.Unmanaging => new UnmanageVolume(volume.Id),
                // The snapshot being restored is the revert's target; without one the revert cannot run, and is given up in time.
                VolumeStatus.Reverting => await RestoringSnapshotAsync(db, volume.Id, ct) is { } restoring
                    ? new RevertVolume(volume.Id, restoring.Id) : null,
                VolumeStatus.Downloading => volume.ReimagingFrom is { } image ? new ReimageVolume(volume.Id, image) : null,
                VolumeStatus.Retyping => new RetypeVolume(volume.Id),
                _ => new ExtendVolume(volume.Id, volume.ExtendingTo ?? volume.Size),
            };
            if (command is null) continue;
            db.Enqueue(command, now);
            volume.Heartbeat(now);
            if (await SaveOneAsync(db, ct)) LogRedriven(volume.Id, volume.Status.ToWire());
        }
    }

    private static Task<Snapshot?> RestoringSnapshotAsync(BlockStoreDbContext db, Guid volumeId, CancellationToken ct) =>
        db.Snapshots.FirstOrDefaultAsync(s => s.VolumeId == volumeId && s.Status == SnapshotStatus.Restoring && !s.Hidden, ct);

    /// <summary>
    /// Saves one row's change with its outbox row. A worker that moved the row meanwhile wins (xmin):
    /// the change is dropped, as it is no longer needed, and the pass goes on with the next row.
    /// </summary>
    private static async Task<bool> SaveOneAsync(BlockStoreDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State != EntityState.Unchanged).ToList())
                entry.State = EntityState.Detached;
            return false;
        }
    }

    private async Task RedriveSnapshotsAsync(BlockStoreDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stuckBefore = now - options.Value.StuckAfter;
        var stuck = await db.Snapshots.Where(Snapshot.Redriven).Where(s => s.StatusChangedAt < stuckBefore)
            .OrderBy(s => s.StatusChangedAt).Take(500).ToListAsync(ct);
        foreach (var s in stuck)
        {
            db.Enqueue(s.Status switch
            {
                SnapshotStatus.Creating => new CreateSnapshot(s.Id, s.VolumeId),
                SnapshotStatus.Unmanaging => new UnmanageSnapshot(s.Id, s.VolumeId),
                _ => (object)new DeleteSnapshot(s.Id, s.VolumeId),
            }, now);
            s.ResetStatus(s.Status, now);
            await SaveOneAsync(db, ct);
        }
    }

    /// <summary>
    /// A step of a job (a migration, a backup, a restore) whose worker died leaves the job's heartbeat old: send the step
    /// again; it resumes at the checkpoint.
    /// </summary>
    private async Task RedriveJobsAsync(BlockStoreDbContext db, Failures failures, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stuckBefore = now - options.Value.StuckAfter;
        string[] kinds = [MigrationPlan.Kind, BackupPlan.BackupKind, BackupPlan.RestoreKind];
        var stuck = await db.Jobs
            .Where(j => kinds.Contains(j.Kind) && (j.State == JobState.Pending || j.State == JobState.Running) && j.HeartbeatAt < stuckBefore)
            .OrderBy(j => j.HeartbeatAt).Take(500).ToListAsync(ct); // the longest stuck first, as for volumes and snapshots
        foreach (var job in stuck)
        {
            if (job.Attempts >= options.Value.MigrationAttempts)
            {
                var reason = $"Its steps failed {job.Attempts} times in a row without progress (see the worker's log).";
                if (job.Kind == MigrationPlan.Kind) await GiveUpMigrationAsync(db, failures, job, reason, now, ct);
                else await BackupJob.GiveUpAsync(db, failures, job, reason, now, ct);
                LogJobGaveUp(job.Kind, job.VolumeId, job.Attempts);
                continue;
            }
            db.Enqueue(job.Kind switch
            {
                MigrationPlan.Kind => new MigrateVolume(job.Id, job.VolumeId),
                BackupPlan.BackupKind => new BackupVolume(job.Id, BackupPlan.FromJson(job.Checkpoint).BackupId),
                _ => (object)new RestoreBackup(job.Id, BackupPlan.FromJson(job.Checkpoint).BackupId),
            }, now);
            job.Heartbeat(now);
            LogJobRedriven(job.Kind, job.VolumeId, job.Progress);
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>A backup delete whose worker died is sent again; a delete is never given up.</summary>
    private async Task RedriveBackupDeletesAsync(BlockStoreDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stuckBefore = now - options.Value.StuckAfter;
        var stuck = await db.Backups.Where(b => b.Status == BackupStatus.Deleting && b.StatusChangedAt < stuckBefore)
            .OrderBy(b => b.StatusChangedAt).Take(500).ToListAsync(ct);
        foreach (var backup in stuck)
        {
            db.Enqueue(new DeleteBackup(backup.Id), now);
            backup.Heartbeat(now);
            await SaveOneAsync(db, ct);
        }
    }

    /// <summary>
    /// Data in the backup store that no backup row owns (a first step that ran again after its backup was deleted) is
    /// removed; rows of available backups whose data is gone are reported, one line per pass.
    /// </summary>
    private async Task CompareWithBackupStoreAsync(BlockStoreDbContext db, IVolumeBackend store, CancellationToken ct)
    {
        var listedAt = clock.GetUtcNow().UtcDateTime;
        var stored = (await store.ListAsync(ct)).Select(Backup.IdOfStoreName).OfType<Guid>().ToHashSet();
        var rows = await db.Backups.AsNoTracking().Select(b => new { b.Id, b.Status, b.StatusChangedAt }).ToDictionaryAsync(b => b.Id, ct);
        foreach (var orphan in stored.Where(id => !rows.ContainsKey(id)))
        {
            LogBackupOrphan(orphan);
            await store.DeleteAsync(Backup.StoreNameOf(orphan), ct);
        }
        var lost = rows.Values.Where(r => r.Status == BackupStatus.Available && r.StatusChangedAt < listedAt && !stored.Contains(r.Id)).Select(r => r.Id).ToList();
        if (lost.Count > 0) LogBackupsLost(lost.Count, string.Join(", ", lost.Take(10)));
    }

    /// <summary>
    /// A migration whose steps keep failing before they write progress (a backend gone from the configuration, a copy
    /// that cannot be removed) is failed: before its switch-over the volume stays where it was, with a message, and after
    /// it the volume is already on its destination. Either way the copy left behind belongs to no row any more, and the
    /// comparison with the backends removes it.
    /// </summary>
    private static async Task GiveUpMigrationAsync(BlockStoreDbContext db, Failures failures, Job job, string reason, DateTime now, CancellationToken ct)
    {
        var plan = MigrationPlan.FromJson(job.Checkpoint);
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == job.VolumeId, ct);
        if (!plan.SwitchedOver && volume?.MigratingTo == plan.Destination)
            MigrationJob.FailVolume(db, failures, volume, job, plan.Destination, reason, cancelled: false, now);
        job.GiveUp(reason, now);
    }

    private async Task CompareWithBackendAsync(BlockStoreDbContext db, IVolumeBackend backend, CancellationToken ct)
    {
        // Images first, rows second: a row is always committed before its image is made, so an image listed
        // here whose row is missing below has no owner (typically made by a duplicate delivery that outlived
        // the volume). Images that are not ours by name (probes, other tools) are left alone.
        var listedAt = clock.GetUtcNow().UtcDateTime;
        var images = new HashSet<Guid>();
        foreach (var image in await backend.ListAsync(ct))
            if (Volume.IdOfImage(image) is { } id) images.Add(id);
        // A migration's destination belongs to its volume until switch-over; the source is garbage after it.
        var rows = await db.Volumes.AsNoTracking().Where(v => v.Backend == backend.Name || v.MigratingTo == backend.Name)
            .Select(v => new { v.Id, v.Status, v.Backend, v.StatusChangedAt }).ToDictionaryAsync(v => v.Id, ct);
        foreach (var orphan in images.Where(id => !rows.ContainsKey(id)))
        {
            LogOrphan(backend.Name, orphan);
            try
            {
                await backend.DeleteAsync($"volume-{orphan}", ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogOrphanKept(ex, backend.Name, orphan);
            }
        }
        // One line per pass, not one per row: a pool that lost many images must not flood the log every interval.
        // Only rows that were already available when the listing began: a volume created meanwhile has its image, made
        // after the listing, and is checked on the next pass.
        var lost = rows.Values.Where(r => r.Backend == backend.Name && r.Status is VolumeStatus.Available or VolumeStatus.InUse
                && r.StatusChangedAt < listedAt && !images.Contains(r.Id))
            .Select(r => r.Id).ToList();
        if (lost.Count > 0) LogLost(backend.Name, lost.Count, string.Join(", ", lost.Take(10)));
    }

    [LoggerMessage(LogLevel.Warning, "Backup store: data of backup {BackupId} has no backup row (orphan); removing it")]
    private partial void LogBackupOrphan(Guid backupId);

    [LoggerMessage(LogLevel.Error, "Backup store: {Count} available backups have no data (lost), e.g. {BackupIds}")]
    private partial void LogBackupsLost(int count, string backupIds);

    [LoggerMessage(LogLevel.Warning, "Reconciler step '{Step}' failed; the other steps still ran")]
    private partial void LogStepFailed(Exception ex, string step);

    [LoggerMessage(LogLevel.Warning, "Backend {Backend}: orphan image of volume {VolumeId} could not be removed; the next pass tries again")]
    private partial void LogOrphanKept(Exception ex, string backend, Guid volumeId);

    [LoggerMessage(LogLevel.Warning, "Reconciler pass failed")]
    private partial void LogPassFailed(Exception ex);

    [LoggerMessage(LogLevel.Warning, "Volume {VolumeId} was stuck in {Status}; its command was sent again")]
    private partial void LogRedriven(Guid volumeId, string status);

    [LoggerMessage(LogLevel.Warning, "Job {Kind} of volume {VolumeId} had no heartbeat at {Percent}%; its step was sent again")]
    private partial void LogJobRedriven(string kind, Guid volumeId, int percent);

    [LoggerMessage(LogLevel.Error, "Job {Kind} of volume {VolumeId} was failed: {Attempts} steps in a row made no progress")]
    private partial void LogJobGaveUp(string kind, Guid volumeId, int attempts);

    [LoggerMessage(LogLevel.Error, "Volume {VolumeId} did not leave {Status} in time and was failed")]
    private partial void LogGaveUp(Guid volumeId, string status);

    [LoggerMessage(LogLevel.Warning, "Backend {Backend}: image of volume {VolumeId} has no volume row (orphan); removing it")]
    private partial void LogOrphan(string backend, Guid volumeId);

    [LoggerMessage(LogLevel.Error, "Backend {Backend}: {Count} available volumes have no image (lost), e.g. {VolumeIds}")]
    private partial void LogLost(string backend, int count, string volumeIds);
}
