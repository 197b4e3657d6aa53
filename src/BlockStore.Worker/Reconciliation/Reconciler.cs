using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Messages;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Worker.Images;
using BlockStore.Worker.Snapshots;
using BlockStore.Worker.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Reconciliation;

/// <summary>
/// Makes sure nothing stays in a transitional status. A volume or snapshot stuck in creating, deleting or
/// extending has its command sent again (the consumers are idempotent) until <see cref="ReconcilerOptions.GiveUpAfter"/>,
/// then it is failed with a user message. It also finishes deferred removals, removes images without
/// rows and reports rows without images. No operator reset-state should be needed.
/// </summary>
public sealed partial class Reconciler(IServiceScopeFactory scopes, IOptions<ReconcilerOptions> options, TimeProvider clock,
    ILogger<Reconciler> logger) : BackgroundService
{
    private static readonly VolumeStatus[] Transitional = [VolumeStatus.Creating, VolumeStatus.Deleting, VolumeStatus.Extending];

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

    public async Task RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<BlockStoreDbContext>();
        await RedriveVolumesAsync(db, sp.GetRequiredService<Failures>(), ct);
        await RedriveSnapshotsAsync(db, ct);
        await sp.GetRequiredService<SnapshotService>().PurgeHiddenAsync(ct);
        await CompareWithBackendsAsync(db, sp.GetRequiredService<VolumeBackends>(), ct);
        await sp.GetRequiredService<ImageReconciler>().RunOnceAsync(ct);
    }

    private async Task RedriveVolumesAsync(BlockStoreDbContext db, Failures failures, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stuckBefore = now - options.Value.StuckAfter;
        var giveUpBefore = now - options.Value.GiveUpAfter;
        var stuck = await db.Volumes.Where(v => Transitional.Contains(v.Status) && v.StatusChangedAt < stuckBefore).Take(500).ToListAsync(ct);
        foreach (var volume in stuck)
        {
            if ((volume.UpdatedAt ?? volume.CreatedAt) < giveUpBefore && volume.Status != VolumeStatus.Deleting)
            {
                var error = volume.Status == VolumeStatus.Extending ? VolumeStatus.ErrorExtending : VolumeStatus.Error;
                failures.VolumeFailed(volume, error, volume.Status.ToWire(), UserMessageEvents.OperationTimedOut,
                    $"Volume {volume.Id} did not finish {volume.Status.ToWire()} within {options.Value.GiveUpAfter.TotalMinutes:0} minutes and was stopped.");
                LogGaveUp(volume.Id, volume.Status.ToWire());
                continue;
            }
            object command = volume.Status switch
            {
                VolumeStatus.Creating => new CreateVolume(volume.Id),
                VolumeStatus.Deleting => new DeleteVolume(volume.Id),
                _ => new ExtendVolume(volume.Id, volume.ExtendingTo ?? volume.Size),
            };
            db.Enqueue(command, now);
            volume.Heartbeat(now);
            LogRedriven(volume.Id, volume.Status.ToWire());
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task RedriveSnapshotsAsync(BlockStoreDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stuckBefore = now - options.Value.StuckAfter;
        var stuck = await db.Snapshots
            .Where(s => !s.Hidden && (s.Status == SnapshotStatus.Creating || s.Status == SnapshotStatus.Deleting) && s.StatusChangedAt < stuckBefore)
            .Take(500).ToListAsync(ct);
        foreach (var s in stuck)
        {
            db.Enqueue(s.Status == SnapshotStatus.Creating ? new CreateSnapshot(s.Id, s.VolumeId) : (object)new DeleteSnapshot(s.Id, s.VolumeId), now);
            s.ResetStatus(s.Status, now);
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task CompareWithBackendsAsync(BlockStoreDbContext db, VolumeBackends backends, CancellationToken ct)
    {
        foreach (var backend in backends.All)
        {
            await backend.PurgeDeferredAsync(ct);
            var images = (await backend.ListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var rows = await db.Volumes.AsNoTracking().Where(v => v.Backend == backend.Name)
                .Select(v => new { v.Id, v.Status }).ToListAsync(ct);
            var owned = rows.Select(r => $"volume-{r.Id}").ToHashSet(StringComparer.Ordinal);
            // A row is always committed before its image is made, so an image without a row is garbage
            // (typically made by a duplicate delivery that outlived the volume): remove it.
            foreach (var orphan in images.Where(i => i.StartsWith("volume-", StringComparison.Ordinal) && !owned.Contains(i)))
            {
                LogOrphan(backend.Name, orphan);
                await backend.DeleteAsync(orphan, ct);
            }
            foreach (var lost in rows.Where(r => r.Status is VolumeStatus.Available or VolumeStatus.InUse && !images.Contains($"volume-{r.Id}")))
                LogLost(backend.Name, lost.Id);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Reconciler pass failed")]
    private partial void LogPassFailed(Exception ex);

    [LoggerMessage(LogLevel.Warning, "Volume {VolumeId} was stuck in {Status}; its command was sent again")]
    private partial void LogRedriven(Guid volumeId, string status);

    [LoggerMessage(LogLevel.Error, "Volume {VolumeId} did not leave {Status} in time and was failed")]
    private partial void LogGaveUp(Guid volumeId, string status);

    [LoggerMessage(LogLevel.Warning, "Backend {Backend}: image {Image} has no volume row (orphan); removing it")]
    private partial void LogOrphan(string backend, string image);

    [LoggerMessage(LogLevel.Error, "Backend {Backend}: volume {VolumeId} has no image (lost)")]
    private partial void LogLost(string backend, Guid volumeId);
}
