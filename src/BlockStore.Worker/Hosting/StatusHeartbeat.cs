using BlockStore.Core.Data;
using BlockStore.Core.Images;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Hosting;

/// <summary>
/// Keeps a long backend call from looking stuck to the reconciler, which sends a command again (or gives up) when a row
/// stays in a transitional status for <c>Reconciler:StuckAfter</c> without news: a volume made by copying an image onto
/// the file backend, an upload of a file-backed volume to an image. While the call runs, the row's status time is
/// stamped every third of that, through a connection of its own, as long as the row is still in the status the call
/// started from. The stamp changes the row, so the caller's own save then finds it changed and reads it again.
/// </summary>
internal sealed class StatusHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private StatusHeartbeat(IServiceScopeFactory scopes, TimeSpan interval, TimeProvider clock, Func<BlockStoreDbContext, DateTime, CancellationToken, Task> stamp) =>
        _loop = LoopAsync(scopes, interval, clock, stamp, _stop.Token);

    /// <summary>While a volume is in <paramref name="status"/>.</summary>
    public static StatusHeartbeat OfVolume(IServiceScopeFactory scopes, Guid volumeId, VolumeStatus status, TimeSpan stuckAfter, TimeProvider clock) =>
        new(scopes, stuckAfter / 3, clock, (db, now, ct) => db.Volumes.Where(v => v.Id == volumeId && v.Status == status)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.StatusChangedAt, now), ct));

    /// <summary>While an image is <c>saving</c>.</summary>
    public static StatusHeartbeat OfImage(IServiceScopeFactory scopes, Guid imageId, TimeSpan stuckAfter, TimeProvider clock) =>
        new(scopes, stuckAfter / 3, clock, (db, now, ct) => db.Images.Where(i => i.Id == imageId && i.Status == ImageStatus.Saving)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.StatusChangedAt, now), ct));

    private static async Task LoopAsync(IServiceScopeFactory scopes, TimeSpan interval, TimeProvider clock,
        Func<BlockStoreDbContext, DateTime, CancellationToken, Task> stamp, CancellationToken stop)
    {
        try
        {
            using var timer = new PeriodicTimer(interval, clock);
            while (await timer.WaitForNextTickAsync(stop))
            {
                await using var scope = scopes.CreateAsyncScope();
                await stamp(scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>(), clock.GetUtcNow().UtcDateTime, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (Exception) when (_loop.IsFaulted)
        {
            // A stamp that failed (the database away for a moment) only lets the reconciler send the command again.
        }
        _stop.Dispose();
    }
}
