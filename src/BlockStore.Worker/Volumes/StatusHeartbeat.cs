using BlockStore.Core.Data;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Volumes;

/// <summary>
/// Keeps a long backend call (a volume made by copying an image onto the file backend) from looking stuck to the
/// reconciler, which sends a command again after <c>Reconciler:StuckAfter</c> without news: while the call runs, the
/// volume's status time is stamped every third of that, through a connection of its own, as long as the row is still
/// in the status the call started from. The stamp changes the row, so the caller's own save then finds it changed
/// and must read it again (<see cref="VolumeService"/> does).
/// </summary>
internal sealed class StatusHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private StatusHeartbeat(IServiceScopeFactory scopes, Guid volumeId, VolumeStatus status, TimeSpan interval, TimeProvider clock) =>
        _loop = LoopAsync(scopes, volumeId, status, interval, clock, _stop.Token);

    public static StatusHeartbeat Start(IServiceScopeFactory scopes, Guid volumeId, VolumeStatus status, TimeSpan stuckAfter, TimeProvider clock) =>
        new(scopes, volumeId, status, stuckAfter / 3, clock);

    private static async Task LoopAsync(IServiceScopeFactory scopes, Guid volumeId, VolumeStatus status, TimeSpan interval, TimeProvider clock,
        CancellationToken stop)
    {
        try
        {
            using var timer = new PeriodicTimer(interval, clock);
            while (await timer.WaitForNextTickAsync(stop))
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>();
                var now = clock.GetUtcNow().UtcDateTime;
                await db.Volumes.Where(v => v.Id == volumeId && v.Status == status)
                    .ExecuteUpdateAsync(s => s.SetProperty(v => v.StatusChangedAt, now), stop);
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
