using BlockStore.Core.Data;
using BlockStore.Core.Images;
using BlockStore.Core.Messages;
using BlockStore.Core.Volumes;
using BlockStore.Worker.Hosting;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Volumes;

/// <summary>Re-imaging a volume (<c>os-reimage</c>, 3.68).</summary>
public sealed partial class VolumeService
{
    /// <summary>
    /// Rewrites the volume with the image's data, then returns it to <c>available</c> (or <c>reserved</c>) with the
    /// image's metadata; on a failure the volume is in <c>error</c> with a user message, its data partly rewritten, as in
    /// Cinder. The row is stamped while the copy runs, and a re-image the reconciler sends again after a worker died
    /// simply runs again from the start.
    /// </summary>
    public async Task ReimageAsync(Guid volumeId, Guid imageId, CancellationToken ct)
    {
        // One rewrite of a volume at a time: a second delivery while the first still runs leaves.
        await using var rewriting = await SessionLock.TryTakeAsync(db, volumeId, ct);
        if (rewriting is null) { LogSkipped(volumeId, "re-image", "downloading (another delivery is at it)"); return; }
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
        if (volume is not { Status: VolumeStatus.Downloading } || volume.ReimagingFrom != imageId)
        {
            LogSkipped(volumeId, $"re-image with image {imageId}", volume?.Status.ToWire());
            return;
        }
        var image = await db.Images.AsNoTracking().FirstOrDefaultAsync(i => i.Id == imageId, ct);
        try
        {
            if (image is not { Status: ImageStatus.Active }) throw new InvalidOperationException($"Image {imageId} is not active any more.");
            await using var alive = StatusHeartbeat.OfVolume(scopes, volumeId, VolumeStatus.Downloading, reconciler.Value.StuckAfter, clock);
            await images.RewriteVolumeAsync(imageId, backends.Get(volume.Backend), volume.ImageName, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await db.Entry(volume).ReloadAsync(ct);
            if (volume.Status != VolumeStatus.Downloading) return;
            await FailAsync(volume, ex, VolumeStatus.Error, "reimage", UserMessageEvents.ReimageFailed, $"could not be re-imaged with image {imageId}", ct);
            return;
        }
        // The heartbeat stamped the row while the copy ran: read it again and finish on the row as it is now.
        await db.Entry(volume).ReloadAsync(ct);
        if (volume.Status != VolumeStatus.Downloading) { LogSkipped(volumeId, "re-image's end", volume.Status.ToWire()); return; }
        volume.CompleteReimage(image.VolumeMetadata(), clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
    }
}
