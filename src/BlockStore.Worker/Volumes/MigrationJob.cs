using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Jobs;
using BlockStore.Core.Messages;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Copy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Volumes;

/// <summary>
/// Moves a volume's data to another backend, one bounded step per <see cref="MigrateVolume"/> delivery.
/// </summary>
/// <remarks>
/// <para>
/// Between two RBD backends (one cluster) the copy is server-side, a flattened deep copy in one step; any
/// other pair goes through <see cref="BlockCopier"/>: allocated extents only, zero blocks skipped, pipelined,
/// read back and compared. Each host-assisted step stops after <see cref="MigrationOptions.StepDuration"/>,
/// commits its flushed checkpoint together with the message for the next step, and so never holds a
/// delivery for long; a step that dies is re-sent by the reconciler and resumes at the last checkpoint.
/// </para>
/// <para>
/// Switch-over is one commit that points the row at the destination; the source is removed only after it.
/// A failure or a cancel before it removes the destination, and the source was never written.
/// </para>
/// </remarks>
public sealed partial class MigrationJob(IServiceScopeFactory scopes, BlockStoreDbContext db, VolumeBackends backends, VolumeService volumes,
    Failures failures, IOptions<MigrationOptions> options, TimeProvider clock, ILogger<MigrationJob> logger)
{
    private const long Gib = 1L << 30;

    public async Task RunStepAsync(Guid jobId, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId && j.Kind == MigrationPlan.Kind, ct);
        if (job is null || job.IsFinished) return;
        await using var lease = await JobLease.ClaimAsync(scopes, db, job, options.Value, clock, logger, ct);
        if (lease is null) return;
        var plan = MigrationPlan.FromJson(job.Checkpoint);
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == job.VolumeId, ct);
        var image = $"volume-{job.VolumeId}";
        var (source, destination) = (backends.Get(plan.Source), backends.Get(plan.Destination));

        if (plan.SwitchedOver)
        {
            await FinishAsync(lease, job, volume, plan, source, image, ct);
            return;
        }
        if (!IsHeadedFor(volume, plan.Destination))
        {
            await AbandonAsync(lease, job, destination, image, ct);
            return;
        }
        if (job.CancelRequested)
        {
            await AbortAsync(lease, job, volume, destination, image, "Cancelled by an administrator.", cancelled: true, ct);
            return;
        }

        CopyStep step;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var serverSide = !plan.ForceHostCopy && source is RbdVolumeBackend && destination is RbdVolumeBackend;
            if (volume.MigrationStatus == MigrationStatus.Starting)
            {
                if (!serverSide) await destination.CreateAsync(image, volume.Size * Gib, lease.Token);
                volume.MarkMigrating(Now);
                await db.SaveChangesAsync(ct);
            }
            step = serverSide
                ? await CopyServerSideAsync((RbdVolumeBackend)source, (RbdVolumeBackend)destination, image, volume.Size * Gib, lease)
                : await CopyHostAssistedAsync(source, destination, image, plan.Offset, lease);
            // Both copies make the destination with the features of a volume for one writer; a multiattach volume's goes
            // without them before it becomes the volume.
            if (step.Completed && plan.Multiattach) await destination.SetSharedAsync(image, shared: true, lease.Token);
            // The deep copy brings the source's back-end limits along, the host-assisted one none: the destination gets
            // those of the type the volume has after the switch-over.
            if (step.Completed)
                await destination.ApplyQosAsync(image, await QosSpecs.BackEndOfTypeAsync(db, plan.NewTypeId ?? volume.VolumeTypeId, ct), lease.Token);
        }
        catch (OperationCanceledException) when (lease.CancelRequested)
        {
            await AbortAsync(lease, job, volume, destination, image, "Cancelled by an administrator.", cancelled: true, ct);
            return;
        }
        catch (OperationCanceledException) when (lease.Lost)
        {
            LogLost(job.VolumeId);
            return;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or DbUpdateException))
        {
            LogFailed(ex, job.VolumeId);
            await AbortAsync(lease, job, volume, destination, image, Failures.Describe(ex), cancelled: false, ct);
            return;
        }

        LogStep(job.VolumeId, plan.Offset, step.Offset, step.BytesRead, step.BytesCopied, step.BytesTotal, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (!await StillHeadedForAsync(volume, plan.Destination, ct))
        {
            await AbandonAsync(lease, job, destination, image, ct);
            return;
        }
        // A cancel that came after the copy's last look: its commit changed the row just reloaded, so it shows here, or
        // else it comes later and the commits below fail on the changed row.
        if (await db.Jobs.AnyAsync(j => j.Id == job.Id && j.CancelRequested, ct))
        {
            await AbortAsync(lease, job, volume, destination, image, "Cancelled by an administrator.", cancelled: true, ct);
            return;
        }
        var now = Now;
        if (!step.Completed)
        {
            var next = plan with { Offset = step.Offset };
            db.Enqueue(new MigrateVolume(job.Id, job.VolumeId), now);
            await lease.CommitAsync(db, s => s.SetProperty(j => j.Checkpoint, next.ToJson()), ct, (step.BytesCopied, step.BytesTotal));
            return;
        }

        // The copy is done: the job's progress says so in the same commit, so no one reads "completing" next to the
        // percentage of the last heartbeat.
        volume.MarkMigrationCompleting(now);
        var copied = plan with { Offset = step.Offset };
        if (!await lease.CommitAsync(db, s => s.SetProperty(j => j.Checkpoint, copied.ToJson()), ct, (step.BytesCopied, step.BytesTotal)))
            return;
        // The switch-over: this one commit moves the volume; until it, the source is the volume.
        var switched = plan with { Offset = step.Offset, SwitchedOver = true };
        volume.CompleteMigration(plan.NewTypeId, plan.Multiattach, now);
        if (!await lease.CommitAsync(db, s => s.SetProperty(j => j.Checkpoint, switched.ToJson()), ct, (step.BytesCopied, step.BytesTotal)))
            return;
        await FinishAsync(lease, job, volume, switched, source, image, ct);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Whether the volume, read again, is still migrating to <paramref name="destination"/>: a step takes
    /// seconds, and meanwhile an administrator may have reset it (and then deleted it).
    /// </summary>
    private async Task<bool> StillHeadedForAsync(Volume volume, string destination, CancellationToken ct)
    {
        await db.Entry(volume).ReloadAsync(ct);
        return db.Entry(volume).State != EntityState.Detached && IsHeadedFor(volume, destination);
    }

    private static bool IsHeadedFor([NotNullWhen(true)] Volume? volume, string destination) => volume?.MigratingTo == destination;

    /// <summary>The volume went, or an administrator reset it: its destination goes, and the volume is left as it is.</summary>
    private Task AbandonAsync(JobLease lease, Job job, IVolumeBackend destination, string image, CancellationToken ct) =>
        AbortAsync(lease, job, volume: null, destination, image, "The volume was deleted or reset while it was migrating.", cancelled: false, ct);

    private async Task<CopyStep> CopyHostAssistedAsync(IVolumeBackend source, IVolumeBackend destination, string image, long offset, JobLease lease)
    {
        var copier = new BlockCopier(options.Value.CopyOptions());
        await using var from = await source.OpenAsync(image, writable: false, lease.Token);
        await using var to = await destination.OpenAsync(image, writable: true, lease.Token);
        var result = await copier.CopyAsync(from, to, offset, new Reporter<BlockCopyProgress>(p => lease.Report(p.BytesCopied, p.BytesTotal)), lease.Token);
        return new CopyStep(result.Checkpoint, result.Completed, result.Progress.BytesCopied, result.Progress.BytesTotal, result.BytesRead);
    }

    /// <summary>
    /// librbd's deep copy, then (with <see cref="MigrationOptions.Verify"/>) the copy checked against the source
    /// object by object, the OSDs of both pools hashing their objects, so every byte is verified here too without
    /// the data passing through the worker again. Progress follows the copy; the check that follows shows 100 %.
    /// </summary>
    private async Task<CopyStep> CopyServerSideAsync(RbdVolumeBackend source, RbdVolumeBackend destination, string image, long size, JobLease lease)
    {
        await source.DeepCopyToAsync(image, destination, new Reporter<double>(p => lease.Report((long)(p / 100 * size), size)), lease.Token);
        long read = 0;
        if (options.Value.Verify)
        {
            var checker = new BlockCopier(new BlockCopyOptions { MaxChunksInFlight = options.Value.ChunksInFlight });
            await using var from = await source.OpenAsync(image, writable: false, lease.Token);
            await using var to = await destination.OpenAsync(image, writable: false, lease.Token);
            read = (await checker.VerifyAsync(from, to, progress: null, lease.Token)).BytesRead;
        }
        return new CopyStep(size, true, size, size, read);
    }

    /// <summary>After switch-over: the source goes, and the job succeeds. Safe to run again.</summary>
    private async Task FinishAsync(JobLease lease, Job job, Volume? volume, MigrationPlan plan, IVolumeBackend source, string image, CancellationToken ct)
    {
        if (await HomeOfAsync(job.VolumeId, ct) == source.Name) LogKeptHome(job.VolumeId, source.Name);
        else await source.DeleteAsync(image, ct);
        if (volume?.SourceVolumeId is { } parentId) await volumes.ReleaseCloneSnapshotAsync(source, parentId, job.VolumeId, ct);
        var now = Now;
        db.Enqueue(new MigrationCompleted(job.VolumeId, job.ProjectId, job.Id, plan.Source, plan.Destination, now), now);
        await lease.CommitAsync(db, s => s.SetProperty(j => j.State, JobState.Succeeded).SetProperty(j => j.Progress, 100)
            .SetProperty(j => j.FinishedAt, now).SetProperty(j => j.HeartbeatAt, now), ct);
        LogCompleted(job.VolumeId, plan.Source, plan.Destination);
    }

    /// <summary>
    /// Before switch-over: the destination goes first, then the volume returns to where it was, all under the job row's
    /// lock, so no other step can have taken the job up and be writing to what is removed. Safe to run again.
    /// </summary>
    private async Task AbortAsync(JobLease lease, Job job, Volume? volume, IVolumeBackend destination, string image, string reason, bool cancelled,
        CancellationToken ct)
    {
        await using var hold = await lease.HoldAsync(db, ct);
        if (hold is null) return; // the step that took over decides
        if (await HomeOfAsync(job.VolumeId, ct) == destination.Name) LogKeptHome(job.VolumeId, destination.Name);
        else await destination.DeleteAsync(image, ct);
        var now = Now;
        if (volume is not null) FailVolume(db, failures, volume, job, destination.Name, reason, cancelled, now);
        else if (!cancelled) RecordFailure(failures, job, destination.Name, reason);
        await lease.CommitAsync(db, s => s.SetProperty(j => j.State, cancelled ? JobState.Cancelled : JobState.Failed).SetProperty(j => j.Error, reason)
            .SetProperty(j => j.FinishedAt, now).SetProperty(j => j.HeartbeatAt, now), ct);
        await hold.CommitAsync(ct);
        LogAborted(job.VolumeId, reason);
    }

    /// <summary>
    /// A migration that ends before its switch-over: the volume stays where it was, its status back from <c>retyping</c>,
    /// and, unless an administrator cancelled it, a user message says why. Written with the caller's next commit.
    /// </summary>
    internal static void FailVolume(BlockStoreDbContext db, Failures failures, Volume volume, Job job, string destination, string reason,
        bool cancelled, DateTime now)
    {
        volume.FailMigration(now);
        if (!cancelled) RecordFailure(failures, job, destination, reason);
    }

    private static void RecordFailure(Failures failures, Job job, string destination, string reason) =>
        failures.Record(job.ProjectId, "VOLUME", job.VolumeId, "migrate", UserMessageEvents.MigrationFailed,
            $"Volume {job.VolumeId} could not be migrated to backend '{destination}'; it stays where it was. {reason}");

    /// <summary>
    /// The backend the volume's row points at now (null when the row is gone). A job only ever removes a copy that is not
    /// the volume: one job per volume runs at a time (the API refuses a second), and this is the last guard, should a
    /// later migration have moved the volume back to where this job would remove a copy.
    /// </summary>
    private Task<string?> HomeOfAsync(Guid volumeId, CancellationToken ct) =>
        db.Volumes.AsNoTracking().Where(v => v.Id == volumeId).Select(v => v.Backend).FirstOrDefaultAsync(ct);

    private readonly record struct CopyStep(long Offset, bool Completed, long BytesCopied, long BytesTotal, long BytesRead);

    [LoggerMessage(LogLevel.Information, "Migration of volume {VolumeId}: step from {From} to {To}, {BytesRead} bytes read in {Seconds:F2} s; {BytesCopied} of {BytesTotal} copied")]
    private partial void LogStep(Guid volumeId, long from, long to, long bytesRead, long bytesCopied, long bytesTotal, double seconds);

    [LoggerMessage(LogLevel.Information, "Migration of volume {VolumeId} from {Source} to {Destination} completed")]
    private partial void LogCompleted(Guid volumeId, string source, string destination);

    [LoggerMessage(LogLevel.Warning, "Migration of volume {VolumeId}: the copy on {Backend} is the volume now, so it stays")]
    private partial void LogKeptHome(Guid volumeId, string backend);

    [LoggerMessage(LogLevel.Warning, "Migration of volume {VolumeId} stopped: {Reason}")]
    private partial void LogAborted(Guid volumeId, string reason);

    [LoggerMessage(LogLevel.Warning, "Migration of volume {VolumeId} failed")]
    private partial void LogFailed(Exception ex, Guid volumeId);

    [LoggerMessage(LogLevel.Information, "Migration of volume {VolumeId}: another step took the job over; this one stops")]
    private partial void LogLost(Guid volumeId);
}
