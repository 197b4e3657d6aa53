using BlockStore.Core.Data;
using BlockStore.Storage.Backends;

namespace BlockStore.Worker.Volumes;

/// <summary>
/// Keeps the manageable lists fresh: every <c>Manage:ScanInterval</c> (30 s) each backend that can manage existing
/// storage is listed, and what it holds under names that are not BlockStore's is recorded
/// (<see cref="ManageableInventory"/>), and the snapshots BlockStore does not manage that were removed from the backend are
/// forgotten. On its own timer, so that a slow reconciler pass (a removal waiting for a busy
/// image, a long purge) never holds the lists back.
/// </summary>
public sealed partial class ManageableScanner(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider clock,
    ILogger<ManageableScanner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(configuration.GetValue("Manage:ScanInterval", TimeSpan.FromSeconds(30)));
        do
        {
            await RunOnceAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One scan of every backend that can manage; a backend that fails is logged and the others still run.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>();
        foreach (var backend in scope.ServiceProvider.GetRequiredService<VolumeBackends>().All.Where(b => b.CanManageExisting))
        {
            try
            {
                var listedAt = clock.GetUtcNow().UtcDateTime;
                var names = await backend.ListAsync(ct);
                // Timed from the listing on: the first scan's connection to the cluster is not the scan's cost.
                var started = clock.GetTimestamp();
                var recorded = await ManageableInventory.RecordScanAsync(db, backend, names, listedAt, ct);
                if (await ManageableInventory.ForgetGoneSnapshotsAsync(db, backend, ct) is > 0 and var forgotten) LogSnapshotsGone(backend.Name, forgotten);
                var took = clock.GetElapsedTime(started);
                // An operator sizing Manage:ScanInterval for a pool shared with many other images wants to know.
                if (took > TimeSpan.FromSeconds(1)) LogScanSlow(backend.Name, recorded, took.TotalMilliseconds);
                else LogScanned(backend.Name, recorded, took.TotalMilliseconds);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                db.ChangeTracker.Clear();
                LogScanFailed(ex, backend.Name);
            }
        }
    }

    [LoggerMessage(LogLevel.Debug, "Backend {Backend}: manageable scan recorded {Images} images in {Milliseconds:0} ms")]
    private partial void LogScanned(string backend, int images, double milliseconds);

    [LoggerMessage(LogLevel.Information, "Backend {Backend}: manageable scan recorded {Images} images in {Milliseconds:0} ms (one read-only open each)")]
    private partial void LogScanSlow(string backend, int images, double milliseconds);

    [LoggerMessage(LogLevel.Information, "Backend {Backend}: {Count} snapshot(s) that BlockStore does not manage are gone from the backend, and forgotten")]
    private partial void LogSnapshotsGone(string backend, int count);

    [LoggerMessage(LogLevel.Warning, "Backend {Backend}: the scan for the manageable lists failed; the next one tries again")]
    private partial void LogScanFailed(Exception ex, string backend);
}
