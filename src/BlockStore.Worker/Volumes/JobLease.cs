using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Query;

namespace BlockStore.Worker.Volumes;

/// <summary>
/// One step's hold on a migration job row. Claiming writes a fresh owner token and every later write is
/// conditional on it, so when the reconciler re-sends a step whose worker looked dead and both end up
/// running, only the newest one commits anything. While the step runs, a loop records progress and the
/// heartbeat, sends <see cref="MigrationProgressed"/> at a bounded rate, and cancels <see cref="Token"/>
/// when an admin cancels the job or the lease is lost.
/// </summary>
public sealed partial class JobLease : IAsyncDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly Job _job;
    private readonly MigrationOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenSource _loopStop = new();
    private readonly bool _events;
    private readonly Task _loop;
    private long _done, _total;
    private DateTime _lastEvent;

    private JobLease(IServiceScopeFactory scopes, Job job, string owner, MigrationOptions options, TimeProvider clock, ILogger logger,
        bool events, CancellationToken ct)
    {
        (_scopes, _job, Owner, _options, _clock, _logger, _events) = (scopes, job, owner, options, clock, logger, events);
        _lastEvent = job.ProgressEventAt ?? DateTime.MinValue;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    public string Owner { get; }

    /// <summary>Cancelled when an admin cancels the job, when another step took it over, or when the worker stops.</summary>
    public CancellationToken Token => _stop.Token;

    public bool CancelRequested { get; private set; }

    /// <summary>Another step claimed the job: this one must stop without writing anything.</summary>
    public bool Lost { get; private set; }

    /// <summary>
    /// Takes the job for one step; null when it is finished (or gone) meanwhile. <paramref name="progressEvents"/>: whether its
    /// progress is announced with <see cref="MigrationProgressed"/> (a migration's is; a backup's is on its job row only).
    /// </summary>
    public static async Task<JobLease?> ClaimAsync(IServiceScopeFactory scopes, BlockStoreDbContext db, Job job, MigrationOptions options,
        TimeProvider clock, ILogger logger, CancellationToken ct, bool progressEvents = true)
    {
        var owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await db.Jobs.Where(j => j.Id == job.Id && (j.State == JobState.Pending || j.State == JobState.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Owner, owner).SetProperty(j => j.State, JobState.Running)
                .SetProperty(j => j.Attempts, j => j.Attempts + 1).SetProperty(j => j.HeartbeatAt, now), ct);
        return rows == 0 ? null : new JobLease(scopes, job, owner, options, clock, logger, progressEvents, ct);
    }

    /// <summary>The latest count; the loop writes it at its next tick.</summary>
    public void Report(long done, long total)
    {
        Interlocked.Exchange(ref _done, done);
        Interlocked.Exchange(ref _total, total);
    }

    /// <summary>
    /// Writes the job row and whatever <paramref name="db"/> has pending (entity changes, outbox rows) in one
    /// transaction, if the lease still holds; false when it was lost, and then nothing is written. With
    /// <paramref name="progress"/>, the row's progress columns too, and the progress event if one is due: a
    /// step shorter than <see cref="MigrationOptions.ReportInterval"/> still reports.
    /// </summary>
    public async Task<bool> CommitAsync(BlockStoreDbContext db, Action<UpdateSettersBuilder<Job>> set, CancellationToken ct,
        (long Done, long Total)? progress = null)
    {
        await StopLoopAsync();
        var now = _clock.GetUtcNow().UtcDateTime;
        var announce = progress is { } measured && EventDue(measured.Total, now);
        if (announce) db.Enqueue(ProgressEvent(progress!.Value.Done, progress.Value.Total, now), now);
        // Inside the transaction of HoldAsync when there is one; it is then the caller's to commit.
        await using var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var rows = await db.Jobs.Where(j => j.Id == _job.Id && j.Owner == Owner).ExecuteUpdateAsync(s =>
        {
            set(s);
            if (progress is { } p) SetProgress(s, p.Done, p.Total, now);
            if (announce) s.SetProperty(j => j.ProgressEventAt, now);
        }, ct);
        if (rows == 0)
        {
            Lost = true;
            db.ChangeTracker.Clear();
            return false;
        }
        await db.SaveChangesAsync(ct);
        if (own is not null) await own.CommitAsync(ct);
        if (announce) _lastEvent = now;
        return true;
    }

    /// <summary>
    /// Locks the job row, if no other step has claimed the job since, in a transaction the caller commits (null when
    /// the lease is lost). Asked before undoing anything: until that commit no other step can claim the job (its claim
    /// waits on the lock, and then finds the job finished), so nothing is removed from under a step that took over.
    /// </summary>
    public async Task<IDbContextTransaction?> HoldAsync(BlockStoreDbContext db, CancellationToken ct)
    {
        await StopLoopAsync();
        var tx = await db.Database.BeginTransactionAsync(ct);
        var held = await db.Database.SqlQuery<Guid>($"SELECT id AS \"Value\" FROM blockstore.jobs WHERE id = {_job.Id} AND owner = {Owner} FOR UPDATE")
            .AnyAsync(ct);
        if (held) return tx;
        Lost = true;
        await tx.DisposeAsync();
        return null;
    }

    /// <summary>Sets the progress columns from a byte count.</summary>
    /// <remarks>Progress written also starts <see cref="Job.Attempts"/> afresh: it counts the steps taken up since the last.</remarks>
    private static void SetProgress(UpdateSettersBuilder<Job> s, long done, long total, DateTime now) => s
        .SetProperty(j => j.BytesDone, done).SetProperty(j => j.BytesTotal, total)
        .SetProperty(j => j.Progress, Percent(done, total)).SetProperty(j => j.HeartbeatAt, now).SetProperty(j => j.Attempts, 0);

    public async ValueTask DisposeAsync()
    {
        await StopLoopAsync();
        _stop.Dispose();
        _loopStop.Dispose();
    }

    private static int Percent(long done, long total) => total <= 0 ? 0 : (int)Math.Clamp(done * 100 / total, 0, 100);

    private async Task StopLoopAsync()
    {
        if (!_loopStop.IsCancellationRequested) await _loopStop.CancelAsync();
        await _loop;
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_options.ReportInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_loopStop.Token))
            {
                try
                {
                    await TickAsync(_loopStop.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogTickFailed(ex, _job.Id); // the next tick tries again; a long gap only makes the reconciler re-send the step
                }
            }
        }
        catch (OperationCanceledException) when (_loopStop.IsCancellationRequested)
        {
        }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>();
        var now = _clock.GetUtcNow().UtcDateTime;
        long done = Interlocked.Read(ref _done), total = Interlocked.Read(ref _total);
        var announce = EventDue(total, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Until the copier has measured the source (total 0), only the heartbeat: the last step's figures stand.
        var rows = await db.Jobs.Where(j => j.Id == _job.Id && j.Owner == Owner).ExecuteUpdateAsync(s =>
        {
            if (total > 0) SetProgress(s, done, total, now);
            else s.SetProperty(j => j.HeartbeatAt, now);
            if (announce) s.SetProperty(j => j.ProgressEventAt, now);
        }, ct);
        if (rows == 0)
        {
            Lost = true;
            await _stop.CancelAsync();
            return;
        }
        if (announce)
        {
            db.Enqueue(ProgressEvent(done, total, now), now);
            await db.SaveChangesAsync(ct);
            _lastEvent = now;
        }
        await tx.CommitAsync(ct);
        if (await db.Jobs.Where(j => j.Id == _job.Id).Select(j => j.CancelRequested).FirstAsync(ct))
        {
            CancelRequested = true;
            await _stop.CancelAsync();
        }
    }

    /// <summary>At most one event per interval for the job, whichever step or worker sent the last (<see cref="Job.ProgressEventAt"/>).</summary>
    private bool EventDue(long total, DateTime now) => _events && total > 0 && now - _lastEvent >= _options.ProgressEventInterval;

    private MigrationProgressed ProgressEvent(long done, long total, DateTime now) =>
        new(_job.VolumeId, _job.ProjectId, _job.Id, Math.Round(100.0 * done / total, 1), done, total, now);

    [LoggerMessage(LogLevel.Warning, "Progress of job {JobId} could not be recorded")]
    private partial void LogTickFailed(Exception ex, Guid jobId);
}
