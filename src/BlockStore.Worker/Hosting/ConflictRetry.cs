using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Hosting;

/// <summary>
/// Saves the end of a long operation whose row may have been stamped meanwhile (<see cref="StatusHeartbeat"/>, the
/// reconciler): on a conflict, <paramref name="resolve"/> reads the row again and says whether to save once more (it
/// re-applied the change to the fresh row) or to stop (the row went elsewhere and decides).
/// </summary>
internal static class ConflictRetry
{
    private const int Attempts = 5;

    public static async Task SaveAsync(BlockStoreDbContext db, Func<int, Task<bool>> resolve, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < Attempts)
            {
                if (!await resolve(attempt)) return;
            }
        }
    }
}
