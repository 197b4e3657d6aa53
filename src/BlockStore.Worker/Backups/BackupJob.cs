using System.Diagnostics;
using BlockStore.Contracts;
using BlockStore.Core.Backups;
using BlockStore.Core.Data;
using BlockStore.Core.Jobs;
using BlockStore.Core.Messages;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using BlockStore.Storage;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Copy;
using BlockStore.Worker.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Backups;

/// <summary>
/// Makes a backup, or restores one, one bounded step per <see cref="BackupVolume"/> or <see cref="RestoreBackup"/> delivery,
/// as a migration moves a volume: through <see cref="BlockCopier"/> (allocated extents only, zero blocks skipped, each
/// chunk read back and compared), each step committing its flushed checkpoint with the message for the next, under a
/// <see cref="JobLease"/>. A step that dies is re-sent by the reconciler and resumes at the last checkpoint.
/// </summary>
/// <remarks>
/// <para>
/// A backup reads one moment of the volume: on RBD, a snapshot named after the backup, taken by the first step and removed
/// by the last (or the user's snapshot the request named); on a backend without snapshots, the volume itself, which the
/// API lets only an unattached volume do, and which stays <c>backing-up</c> (no attach, no write through BlockStore) until
/// the copy ends. The copy in the store is as large as what it was read from.
/// </para>
/// <para>
/// A restore writes the backup over the whole volume: holes and zero blocks as zeroes (a volume made for the restore is
/// zero already), and past the backup's end, on a larger volume, zeroes too, so that nothing of what the volume held before
/// shows through. A restore that fails leaves the volume <c>error_restoring</c>, as Cinder does; the backup stays available.
/// </para>
/// <para>Step lengths, chunks in flight, verification and pacing follow the <c>Migration</c> section: one copy engine, one set of settings.</para>
/// </remarks>
public sealed partial class BackupJob(IServiceScopeFactory scopes, BlockStoreDbContext db, VolumeBackends backends, BackupStore store,
    Failures failures, IOptions<MigrationOptions> options, TimeProvider clock, ILogger<BackupJob> logger)
{
    private const long Gib = 1L << 30;
    private const int ObjectSize = 4 << 20;

    public async Task RunBackupStepAsync(Guid jobId, CancellationToken ct)
    {
        var (lease, job, plan) = await ClaimAsync(jobId, BackupPlan.BackupKind, ct);
        if (lease is null) return;
        await using var _ = lease;
        var backup = await db.Backups.FirstOrDefaultAsync(b => b.Id == plan.BackupId, ct);
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == job.VolumeId, ct);
        var source = backends.Get(plan.Backend);
        var image = Volume.ImageNameOf(job.VolumeId);
        if (backup?.Status != BackupStatus.Creating)
        {
            await EndBackupAsync(lease, job, plan, backup, volume, source, "The backup was deleted or reset while it was made.", ct);
            return;
        }

        BlockCopyResult result;
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Recorded with the step's checkpoint: a first step that dies before it is simply run again.
            if (!plan.Prepared) plan = await PrepareBackupAsync(plan, backup, source, image, lease.Token);
            await using IBlockSource from = plan.Snapshot is { } snapshot
                ? await source.OpenSnapshotAsync(image, snapshot, lease.Token)
                : await source.OpenAsync(image, writable: false, lease.Token);
            await using var to = await store.Require().OpenAsync(backup.StoreName, writable: true, lease.Token);
            result = await CopyAsync(from, to, plan.Offset, destinationIsZeroed: true, lease);
        }
        catch (OperationCanceledException) when (lease.Lost)
        {
            LogLost(job.Kind, plan.BackupId);
            return;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or DbUpdateException))
        {
            LogFailed(ex, job.Kind, plan.BackupId);
            await EndBackupAsync(lease, job, plan, backup, volume, source, Failures.Describe(ex), ct);
            return;
        }

        LogStep(job.Kind, plan.BackupId, plan.Offset, result.Checkpoint, result.BytesRead, Stopwatch.GetElapsedTime(started).TotalSeconds);
        plan = plan with { Offset = result.Checkpoint, ObjectCount = plan.ObjectCount + Objects(result.BytesWritten) };
        if (!result.Completed)
        {
            db.Enqueue(new BackupVolume(job.Id, plan.BackupId), Now);
            await lease.CommitAsync(db, s => s.SetProperty(j => j.Checkpoint, plan.ToJson()), ct, (result.Progress.BytesCopied, result.Progress.BytesTotal));
            return;
        }
        await EndBackupAsync(lease, job, plan, backup, volume, source, failure: null, ct);
    }

    public async Task RunRestoreStepAsync(Guid jobId, CancellationToken ct)
    {
        var (lease, job, plan) = await ClaimAsync(jobId, BackupPlan.RestoreKind, ct);
        if (lease is null) return;
        await using var _ = lease;
        var backup = await db.Backups.FirstOrDefaultAsync(b => b.Id == plan.BackupId, ct);
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == job.VolumeId, ct);
        if (volume?.Status != VolumeStatus.RestoringBackup || backup?.Status != BackupStatus.Restoring || backup.RestoringTo != volume.Id)
        {
            await EndRestoreAsync(lease, job, plan.BackupId, backup, volume, "The volume or the backup was deleted or reset while the backup was restored.", ct);
            return;
        }

        BlockCopyResult result;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var destination = backends.Get(volume.Backend);
            if (!plan.Prepared)
            {
                if (plan.NewVolume) await destination.CreateAsync(volume.ImageName, volume.Size * Gib, lease.Token);
                plan = plan with { Prepared = true };
            }
            await using var from = await store.Require().OpenAsync(backup.StoreName, writable: false, lease.Token);
            await using var to = await destination.OpenAsync(volume.ImageName, writable: true, lease.Token);
            result = await CopyAsync(from, to, plan.Offset, destinationIsZeroed: plan.NewVolume, lease);
            // What lies past the backup's end on a larger volume is not the backup's: zeroes, not the volume's old data.
            if (result.Completed && !plan.NewVolume && to.Size > from.Size)
            {
                await to.WriteZeroesAsync(from.Size, to.Size - from.Size, lease.Token);
                await to.FlushAsync(lease.Token);
            }
        }
        catch (OperationCanceledException) when (lease.Lost)
        {
            LogLost(job.Kind, plan.BackupId);
            return;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or DbUpdateException))
        {
            LogFailed(ex, job.Kind, plan.BackupId);
            await EndRestoreAsync(lease, job, plan.BackupId, backup, volume, Failures.Describe(ex), ct);
            return;
        }

        LogStep(job.Kind, plan.BackupId, plan.Offset, result.Checkpoint, result.BytesRead, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (!result.Completed)
        {
            var next = plan with { Offset = result.Checkpoint };
            db.Enqueue(new RestoreBackup(job.Id, plan.BackupId), Now);
            await lease.CommitAsync(db, s => s.SetProperty(j => j.Checkpoint, next.ToJson()), ct, (result.Progress.BytesCopied, result.Progress.BytesTotal));
            return;
        }
        await EndRestoreAsync(lease, job, plan.BackupId, backup, volume, failure: null, ct);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static int Objects(long bytes) => (int)((bytes + ObjectSize - 1) / ObjectSize);

    private async Task<(JobLease? Lease, Job Job, BackupPlan Plan)> ClaimAsync(Guid jobId, string kind, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId && j.Kind == kind, ct);
        if (job is null || job.IsFinished) return (null, null!, null!);
        var lease = await JobLease.ClaimAsync(scopes, db, job, options.Value, clock, logger, ct, progressEvents: false);
        return (lease, job, lease is null ? null! : BackupPlan.FromJson(job.Checkpoint));
    }

    /// <summary>
    /// The first step of a backup: the moment it is of (a snapshot taken now, where it has to be), and its copy in the store,
    /// as large as what it reads. Each part is done already on a second run, so a step that died here is simply run again.
    /// </summary>
    private async Task<BackupPlan> PrepareBackupAsync(BackupPlan plan, Backup backup, IVolumeBackend source, string image, CancellationToken ct)
    {
        var own = plan.Snapshot is null && source.SupportsSnapshots;
        var snapshot = own ? backup.StoreName : plan.Snapshot;
        if (own) await source.CreateSnapshotAsync(image, backup.StoreName, ct);
        long size;
        await using (IBlockSource from = snapshot is not null ? await source.OpenSnapshotAsync(image, snapshot, ct) : await source.OpenAsync(image, false, ct))
            size = from.Size;
        await store.Require().CreateAsync(backup.StoreName, size, ct);
        backup.Started(store.Container, plan.Snapshot is null ? Now : null, Now);
        return plan with { Snapshot = snapshot, OwnSnapshot = own, Prepared = true };
    }

    private async Task<BlockCopyResult> CopyAsync(IBlockSource from, IBlockDevice to, long offset, bool destinationIsZeroed, JobLease lease)
    {
        var copier = new BlockCopier(options.Value.CopyOptions(destinationIsZeroed));
        return await copier.CopyAsync(from, to, offset, new Reporter<BlockCopyProgress>(p => lease.Report(p.BytesCopied, p.BytesTotal)), lease.Token);
    }

    /// <summary>
    /// The end of a backup, well (<paramref name="failure"/> null) or not, under the job row's lock: its own snapshot goes, the
    /// volume and snapshot it read return to their statuses, and the backup is available, or in error with the reason and a
    /// user message, its partial copy removed. A backup deleted meanwhile is left to its delete. Safe to run again.
    /// </summary>
    private async Task EndBackupAsync(JobLease lease, Job job, BackupPlan plan, Backup? backup, Volume? volume, IVolumeBackend source,
        string? failure, CancellationToken ct)
    {
        await using var hold = await lease.HoldAsync(db, ct);
        if (hold is null) return; // the step that took over decides
        // A first step that died after taking the snapshot has not recorded it yet: it has the backup's name, whichever.
        var own = plan.Prepared ? (plan.OwnSnapshot ? plan.Snapshot : null) : plan.Snapshot is null && source.SupportsSnapshots ? Backup.StoreNameOf(plan.BackupId) : null;
        if (own is not null && volume is not null) await RemoveSnapshotAsync(source, volume, own, ct);
        var now = Now;
        await ReleaseSourceAsync(db, backup, volume, now, ct);
        if (failure is null)
        {
            backup!.Complete(plan.ObjectCount, now);
            db.Enqueue(new BackupCreated(backup.Id, backup.VolumeId, backup.ProjectId, backup.Size, now), now);
            LogCompleted(plan.BackupId, job.VolumeId, plan.Offset);
        }
        else if (backup?.Status == BackupStatus.Creating)
        {
            await store.Require().DeleteAsync(backup.StoreName, ct);
            FailBackup(failures, backup, failure, now);
        }
        await FinishJobAsync(lease, failure, now, ct);
        await hold.CommitAsync(ct);
    }

    /// <summary>
    /// The end of a restore, well or not, under the job row's lock: the volume is available, or <c>error_restoring</c> with a
    /// user message; the backup is available again either way. Safe to run again.
    /// </summary>
    private async Task EndRestoreAsync(JobLease lease, Job job, Guid backupId, Backup? backup, Volume? volume, string? failure, CancellationToken ct)
    {
        await using var hold = await lease.HoldAsync(db, ct);
        if (hold is null) return;
        var now = Now;
        if (backup?.Status == BackupStatus.Restoring && backup.RestoringTo == job.VolumeId) backup.EndRestore(now);
        if (volume?.Status == VolumeStatus.RestoringBackup)
        {
            if (failure is not null) FailRestore(failures, volume, backupId, failure, now);
            else
            {
                volume.CompleteRestore(backup!.VolumeBootable, backup.VolumeImageMetadata, backup.VolumeMetadata, now);
                db.Enqueue(new BackupRestored(backup.Id, volume.Id, volume.ProjectId, now), now);
                LogRestored(backup.Id, volume.Id);
            }
        }
        await FinishJobAsync(lease, failure, now, ct);
        await hold.CommitAsync(ct);
    }

    /// <summary>A snapshot left behind only costs space, and goes with the volume: its removal failing fails nothing.</summary>
    private async Task RemoveSnapshotAsync(IVolumeBackend source, Volume volume, string snapshot, CancellationToken ct)
    {
        try
        {
            await source.DeleteSnapshotAsync(volume.ImageName, snapshot, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSnapshotKept(ex, snapshot, volume.Id);
        }
    }

    private Task<bool> FinishJobAsync(JobLease lease, string? failure, DateTime now, CancellationToken ct) =>
        lease.CommitAsync(db, s => s.SetProperty(j => j.State, failure is null ? JobState.Succeeded : JobState.Failed).SetProperty(j => j.Error, failure)
            .SetProperty(j => j.Progress, j => failure == null ? 100 : j.Progress).SetProperty(j => j.FinishedAt, now).SetProperty(j => j.HeartbeatAt, now), ct);

    /// <summary>
    /// A job whose steps keep failing before they write progress is failed from outside them (the reconciler): the backup
    /// it made goes to error, or the volume it restored to <c>error_restoring</c>, as a failed step would leave them; what it
    /// left in the store and its snapshot are removed with the backup, or by the next pass over the store.
    /// </summary>
    internal static async Task GiveUpAsync(BlockStoreDbContext db, Failures failures, Job job, string reason, DateTime now, CancellationToken ct)
    {
        var plan = BackupPlan.FromJson(job.Checkpoint);
        var backup = await db.Backups.FirstOrDefaultAsync(b => b.Id == plan.BackupId, ct);
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == job.VolumeId, ct);
        if (job.Kind == BackupPlan.BackupKind)
        {
            await ReleaseSourceAsync(db, backup, volume, now, ct);
            if (backup?.Status == BackupStatus.Creating) FailBackup(failures, backup, reason, now);
        }
        else
        {
            if (backup?.Status == BackupStatus.Restoring && backup.RestoringTo == job.VolumeId) backup.EndRestore(now);
            if (volume?.Status == VolumeStatus.RestoringBackup) FailRestore(failures, volume, plan.BackupId, reason, now);
        }
        job.GiveUp(reason, now);
    }

    /// <summary>The volume, or the snapshot, a backup read returns to the status it had (a reset meanwhile stands).</summary>
    private static async Task ReleaseSourceAsync(BlockStoreDbContext db, Backup? backup, Volume? volume, DateTime now, CancellationToken ct)
    {
        if (volume?.Status == VolumeStatus.BackingUp) volume.EndBackup(now);
        if (backup?.SnapshotId is { } id && await db.Snapshots.FirstOrDefaultAsync(s => s.Id == id, ct) is { } snapshot) snapshot.EndBackup(now);
    }

    private static void FailBackup(Failures failures, Backup backup, string reason, DateTime now)
    {
        backup.Fail(reason, now);
        failures.Record(backup.ProjectId, "VOLUME_BACKUP", backup.Id, "backup_create", UserMessageEvents.BackupCreateFailed,
            $"Backup {backup.Id} of volume {backup.VolumeId} failed: {reason}");
    }

    private static void FailRestore(Failures failures, Volume volume, Guid backupId, string reason, DateTime now)
    {
        volume.FailRestore(now);
        failures.Record(volume.ProjectId, "VOLUME", volume.Id, "backup_restore", UserMessageEvents.BackupRestoreFailed,
            $"Backup {backupId} could not be restored to volume {volume.Id}: {reason}");
    }

    [LoggerMessage(LogLevel.Information, "Job {Kind} of backup {BackupId}: step from {From} to {To}, {BytesRead} bytes read in {Seconds:F2} s")]
    private partial void LogStep(string kind, Guid backupId, long from, long to, long bytesRead, double seconds);

    [LoggerMessage(LogLevel.Information, "Backup {BackupId} of volume {VolumeId} completed ({Bytes} bytes)")]
    private partial void LogCompleted(Guid backupId, Guid volumeId, long bytes);

    [LoggerMessage(LogLevel.Information, "Backup {BackupId} restored to volume {VolumeId}")]
    private partial void LogRestored(Guid backupId, Guid volumeId);

    [LoggerMessage(LogLevel.Warning, "Snapshot {Snapshot} of volume {VolumeId} could not be removed; it goes with the volume")]
    private partial void LogSnapshotKept(Exception ex, string snapshot, Guid volumeId);

    [LoggerMessage(LogLevel.Warning, "Job {Kind} of backup {BackupId} failed")]
    private partial void LogFailed(Exception ex, string kind, Guid backupId);

    [LoggerMessage(LogLevel.Information, "Job {Kind} of backup {BackupId}: another step took the job over; this one stops")]
    private partial void LogLost(string kind, Guid backupId);
}
