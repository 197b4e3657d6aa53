using BlockStore.Core.Data;
using BlockStore.Core.Images;
using BlockStore.Core.Messages;
using BlockStore.Core.Volumes;
using BlockStore.Rbd;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Images;
using BlockStore.Worker.Hosting;
using BlockStore.Worker.Reconciliation;
using BlockStore.Worker.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Images;

/// <summary>
/// The worker's half of images: volumes made from them, volumes uploaded into them, and removing their
/// data. Uploads of files are served by the API; see <c>ImageUploads</c> there.
/// </summary>
public sealed partial class ImageService(BlockStoreDbContext db, ImagePool pool, VolumeBackends backends, Failures failures,
    IServiceScopeFactory scopes, IOptions<ReconcilerOptions> reconciler, TimeProvider clock, ILogger<ImageService> logger)
{
    /// <summary>
    /// Makes a volume's data from an image. On an RBD backend (every RBD backend shares the cluster of the
    /// images pool) it is a clone of the image's protected snapshot, grown to the size: O(1) in the image's size.
    /// On any other backend it is a sparse, verified copy of that snapshot.
    /// </summary>
    /// <exception cref="InvalidOperationException">The image's data is gone.</exception>
    public async Task CreateVolumeAsync(Guid imageId, IVolumeBackend backend, string volume, long sizeBytes, CancellationToken ct)
    {
        try
        {
            if (backend is RbdVolumeBackend rbd)
            {
                await pool.CloneToAsync(imageId.ToString(), rbd, volume, sizeBytes, ct);
                return;
            }

            // Not a clone target (the file backend): a sparse copy of the image's snapshot, made durable
            // before the volume counts as available. A redelivery copies again over the same volume.
            await backend.CreateAsync(volume, sizeBytes, ct);
            await using var device = await backend.OpenAsync(volume, writable: true, ct);
            await pool.CopyToAsync(imageId.ToString(), device, ct);
            await device.FlushAsync(ct);
        }
        catch (RbdNotFoundException ex)
        {
            throw new InvalidOperationException($"Image {imageId} has no data any more; it was probably deleted.", ex);
        }
    }

    /// <summary>
    /// Rewrites an existing volume with an image's data (<c>os-reimage</c>), in place on any backend: the whole volume is
    /// zeroed first (a hole, or RBD's deallocating <c>write_zeroes</c>), then the image's allocated extents are copied,
    /// verified, and flushed. The volume's snapshots and clones keep their own data. Running it twice gives the same
    /// volume, so a redelivered command simply runs again. O(the image's data), not O(1): the volume exists already.
    /// </summary>
    /// <exception cref="InvalidOperationException">The image's data is gone.</exception>
    public async Task RewriteVolumeAsync(Guid imageId, IVolumeBackend backend, string volume, CancellationToken ct)
    {
        await using var device = await backend.OpenAsync(volume, writable: true, ct);
        await device.WriteZeroesAsync(0, device.Size, ct);
        try
        {
            await pool.CopyToAsync(imageId.ToString(), device, ct);
        }
        catch (RbdNotFoundException ex)
        {
            throw new InvalidOperationException($"Image {imageId} has no data any more; it was probably deleted.", ex);
        }
        await device.FlushAsync(ct);
    }

    /// <summary>
    /// <c>os-volume_upload_image</c>: copies the volume into the image (inside the cluster for an RBD volume,
    /// a sparse verified copy for a file volume), makes the image clonable, and returns the volume to the status it had. Safe to run twice: it starts from the rows.
    /// </summary>
    public async Task UploadVolumeAsync(Guid volumeId, Guid imageId, CancellationToken ct)
    {
        var image = await db.Images.FirstOrDefaultAsync(i => i.Id == imageId, ct);
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
        if (image is not { Status: ImageStatus.Saving } || volume is not { Status: VolumeStatus.Uploading })
        {
            LogSkipped(imageId, image?.Status.ToWire(), volume?.Status.ToWire());
            return;
        }

        long size;
        try
        {
            await using var alive = StatusHeartbeat.OfImage(scopes, imageId, reconciler.Value.StuckAfter, clock);
            var backend = backends.Get(volume.Backend);
            if (backend is RbdVolumeBackend rbd)
            {
                size = await pool.ImportVolumeAsync(rbd, volume.ImageName, image.BackendName, ct);
            }
            else
            {
                await using var source = await backend.OpenAsync(volume.ImageName, writable: false, ct);
                size = await pool.ImportDeviceAsync(source, image.BackendName, ct);
            }
            await pool.SealAsync(image.BackendName, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, volumeId, imageId);
            await FailUploadAsync(image, volume, $"Volume {volume.Id} could not be uploaded to image {image.Id}. {Failures.Describe(ex)}", ct);
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        image.Activate(size, size, null, null, now);
        volume.EndUploadToImage(now);
        await ConflictRetry.SaveAsync(db, async _ =>
        {
            // Only the image's status time moved (the heartbeat, or the reconciler sending the command again) while it is
            // still saving: finish on the fresh row. If it was killed or deleted meanwhile (its data goes with the
            // reconciler's sweep), the volume still returns to the status it had.
            await db.Entry(image).ReloadAsync(ct);
            if (db.Entry(image).State == EntityState.Detached) return true;
            if (image.Status == ImageStatus.Saving) image.Activate(size, size, null, null, now);
            else db.Entry(image).State = EntityState.Unchanged;
            return true;
        }, ct);
    }

    /// <summary>Kills the image (its data goes), returns the volume to its status, and tells the tenant why.</summary>
    public async Task FailUploadAsync(Image image, Volume? volume, string message, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        try
        {
            await pool.DeleteAsync(image.BackendName, ct);
        }
        catch (RbdException ex)
        {
            LogCleanupFailed(ex, image.Id); // the reconciler removes data of killed images
        }
        image.Kill(message, now);
        if (volume is { Status: VolumeStatus.Uploading }) volume.EndUploadToImage(now);
        if (volume is not null) failures.Record(volume.ProjectId, "VOLUME", volume.Id, "upload_to_image", UserMessageEvents.UploadToImageFailed, message);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Removes an image's data, or hides it until the volumes cloned from it are gone.</summary>
    public async Task DeleteDataAsync(Guid imageId, CancellationToken ct)
    {
        // One removal per image across workers (each worker's reconciler removes orphans, and a DeleteImage may
        // arrive meanwhile): two rbd_remove calls on one image can hang or abort librbd. If this one is skipped and
        // the other fails, the next reconciler pass finds the data again.
        await using var removing = await SessionLock.TryTakeAsync(db, imageId, ct);
        if (removing is null) { LogAlreadyRemoving(imageId); return; }
        if (!await pool.DeleteAsync(imageId.ToString(), ct)) LogDeferred(imageId);
    }

    [LoggerMessage(LogLevel.Information, "Image {ImageId}: data removal skipped, another worker is removing it")]
    private partial void LogAlreadyRemoving(Guid imageId);

    [LoggerMessage(LogLevel.Information, "Image {ImageId}: upload from a volume skipped (image {ImageStatus}, volume {VolumeStatus})")]
    private partial void LogSkipped(Guid imageId, string? imageStatus, string? volumeStatus);

    [LoggerMessage(LogLevel.Warning, "Volume {VolumeId}: upload to image {ImageId} failed")]
    private partial void LogFailed(Exception ex, Guid volumeId, Guid imageId);

    [LoggerMessage(LogLevel.Warning, "Image {ImageId}: its data could not be removed; the reconciler will")]
    private partial void LogCleanupFailed(Exception ex, Guid imageId);

    [LoggerMessage(LogLevel.Information, "Image {ImageId}: volumes still clone from it; its data is hidden and removed later")]
    private partial void LogDeferred(Guid imageId);
}
