using BlockStore.Core.Data;
using BlockStore.Core.Jobs;
using BlockStore.Core.Messages;
using BlockStore.Storage.Backends;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Volumes;

/// <summary>
/// Detaches a clone from its parent with librbd's flatten, recording progress on the job row about once a
/// second. librbd flattens in one call, so a restart begins again; the objects already copied are kept
/// by RBD itself, which makes the second run proportionally shorter.
/// </summary>
public sealed partial class FlattenJob(IServiceScopeFactory scopes, BlockStoreDbContext db, VolumeBackends backends, VolumeService volumes,
    Failures failures, TimeProvider clock, ILogger<FlattenJob> logger)
{
    public const string Kind = Job.FlattenKind;
    private static readonly string Owner = $"{Environment.MachineName}:{Environment.ProcessId}";

    public async Task RunAsync(Guid jobId, CancellationToken ct)
    {
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || job.IsFinished) return;
        var volume = await db.Volumes.AsNoTracking().FirstOrDefaultAsync(v => v.Id == job.VolumeId, ct);
        if (volume is null) { job.Fail("The volume was deleted.", clock.GetUtcNow().UtcDateTime); await db.SaveChangesAsync(ct); return; }
        job.Claim(Owner, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);

        var backend = backends.Get(volume.Backend);
        string? error = null;
        try
        {
            await backend.FlattenAsync(volume.ImageName, new Progress<double>(p => _ = ReportAsync(jobId, p)), ct);
            if (volume.SourceVolumeId is { } sourceId) await volumes.ReleaseCloneSnapshotAsync(backend, sourceId, volume.Id, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, volume.Id);
            error = ex.Message;
            failures.Record(volume.ProjectId, "VOLUME", volume.Id, "flatten", UserMessageEvents.FlattenFailed,
                $"Volume {volume.Id} could not be detached from its parent; it stays a clone. {Failures.Describe(ex)}");
        }
        // Progress was written through another context, which moved the row's version on.
        await db.Entry(job).ReloadAsync(ct);
        if (error is null) job.Succeed(clock.GetUtcNow().UtcDateTime);
        else job.Fail(error, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
    }

    private DateTime _lastReport;

    /// <summary>Writes progress through its own context: the job's context is busy with the long call.</summary>
    private async Task ReportAsync(Guid jobId, double percent)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now - _lastReport < TimeSpan.FromSeconds(1) && percent < 100) return;
        _lastReport = now;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var progressDb = scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>();
            await progressDb.Jobs.Where(j => j.Id == jobId)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Progress, (int)percent).SetProperty(j => j.HeartbeatAt, now));
        }
        catch (Exception ex)
        {
            LogProgressFailed(ex, jobId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Flatten of volume {VolumeId} failed")]
    private partial void LogFailed(Exception ex, Guid volumeId);

    [LoggerMessage(LogLevel.Debug, "Progress of job {JobId} could not be recorded")]
    private partial void LogProgressFailed(Exception ex, Guid jobId);
}
