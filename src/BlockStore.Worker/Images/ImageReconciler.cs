using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Images;
using BlockStore.Storage.Images;
using BlockStore.Worker.Reconciliation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Images;

/// <summary>
/// The reconciler's pass over images: no image stays <c>saving</c> after the process doing the work is
/// gone, hidden bases go once their clones have, and no data is left without a live record.
/// </summary>
public sealed partial class ImageReconciler(BlockStoreDbContext db, ImagePool pool, ImageService images, IOptions<ReconcilerOptions> options,
    TimeProvider clock, ILogger<ImageReconciler> logger)
{
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await SettleStuckAsync(ct);
        await pool.PurgeDeferredAsync(ct);
        await RemoveOrphansAsync(ct);
    }

    /// <summary>
    /// An upload through the API touches its row every few seconds; one that stopped being touched lost
    /// its process, and is killed. An upload from a volume is the worker's: its command is sent again
    /// (it is idempotent) until <see cref="ReconcilerOptions.GiveUpAfter"/>, then it is failed.
    /// </summary>
    private async Task SettleStuckAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stuckBefore = now - options.Value.StuckAfter;
        var stuck = await db.Images.Where(i => i.Status == ImageStatus.Saving && i.StatusChangedAt < stuckBefore)
            .OrderBy(i => i.StatusChangedAt).Take(100).ToListAsync(ct); // the longest stuck first; each one taken is stamped or ends
        foreach (var image in stuck)
        {
            try
            {
                if (image.SourceVolumeId is not { } volumeId)
                {
                    image.Kill("The upload was interrupted: the process serving it stopped before the data was complete.", now);
                    await db.SaveChangesAsync(ct);
                    await images.DeleteDataAsync(image.Id, ct);
                    LogKilled(image.Id);
                    continue;
                }

                var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
                if (volume is null || image.CreatedAt < now - options.Value.GiveUpAfter)
                {
                    await images.FailUploadAsync(image, volume,
                        $"Volume {volumeId} could not be uploaded to image {image.Id} within {options.Value.GiveUpAfter.TotalMinutes:0} minutes.", ct);
                    LogKilled(image.Id);
                    continue;
                }

                db.Enqueue(new UploadVolumeToImage(volumeId, image.Id), now);
                image.Heartbeat(now);
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                db.ChangeTracker.Clear(); // the upload moved on meanwhile: it is alive, or finished
            }
        }
    }

    /// <summary>
    /// Data whose image record is gone or killed is removed. The pool is listed before the rows are read,
    /// and a row is always committed before its data is made, so an upload that is starting is never taken
    /// for an orphan.
    /// </summary>
    private async Task RemoveOrphansAsync(CancellationToken ct)
    {
        var names = await pool.ListAsync(ct);
        var ids = names.Select(n => Guid.TryParse(n, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToList();
        var live = await db.Images.AsNoTracking().Where(i => ids.Contains(i.Id) && i.Status != ImageStatus.Killed).Select(i => i.Id).ToListAsync(ct);
        foreach (var orphan in ids.Except(live))
        {
            LogOrphan(orphan);
            await images.DeleteDataAsync(orphan, ct);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Image {ImageId} was stuck in saving and was killed")]
    private partial void LogKilled(Guid imageId);

    [LoggerMessage(LogLevel.Warning, "Image data {ImageId} has no live image record (orphan); removing it")]
    private partial void LogOrphan(Guid imageId);
}
