using System.Security.Cryptography;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;
using BlockStore.Storage.Images;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Images;

/// <summary>
/// <c>PUT /v2/images/{id}/file</c>: the upload is streamed by the API process straight into the images
/// pool (raw) or through the bounded spool and the qcow2 reader (qcow2), with MD5 and SHA-512 computed on
/// the way. The image goes <c>saving</c> → <c>active</c>, or <c>killed</c> with a reason and no data left.
/// </summary>
/// <remarks>
/// While it runs the upload touches its row every <see cref="ImageOptions.HeartbeatInterval"/>. If the
/// process dies, the row stops being touched and the worker's reconciler kills the image and removes
/// whatever data it had, so no image stays <c>saving</c> and no RBD image is orphaned.
/// </remarks>
public sealed partial class ImageUploads(BlockStoreDbContext db, ImagePool pool, IOptions<ImageOptions> options, IServiceScopeFactory scopes,
    TimeProvider clock, ILogger<ImageUploads> logger)
{
    public async Task<IResult> UploadAsync(string id, HttpRequest http, ApiRequest req, CancellationToken ct)
    {
        req.Caller.RequireWrite("upload_image");
        var image = await ImagesApi.FindAsync(db, req, id, ct);
        ImagesApi.RequireOwner(image, req, "upload data for this image");
        if (!string.Equals(http.ContentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase))
            throw new BadHttpRequestException("Unsupported Content-Type", 415);
        var limit = options.Value.MaxUploadBytes;
        if (http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = null; // the limit is enforced while streaming, with our own answer

        image.BeginUpload(clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        LogStarted(image.Id, image.DiskFormat);

        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        // The two hashes cost more CPU than the rest of the upload; they run side by side.
        void Observe(ReadOnlyMemory<byte> bytes) => Parallel.Invoke(() => md5.AppendData(bytes.Span), () => sha512.AppendData(bytes.Span));

        long size, virtualSize;
        var heartbeat = Heartbeat(image.Id);
        try
        {
            if (http.ContentLength > limit)
                throw new ImageDataException($"The image data ({http.ContentLength} bytes) is larger than the limit of {limit} bytes.", tooLarge: true);
            if (image.DiskFormat == "qcow2")
            {
                (size, virtualSize, var conversion) = await pool.ImportQcow2Async(image.BackendName, http.Body, Observe, ct);
                LogConverted(image.Id, virtualSize, conversion.TotalSeconds);
            }
            else
            {
                size = virtualSize = await pool.ImportRawAsync(image.BackendName, http.Body, http.ContentLength, Observe, ct);
            }
            await pool.SealAsync(image.BackendName, ct);
            await heartbeat.StopAsync();
        }
        catch (Exception ex)
        {
            await heartbeat.StopAsync();
            await KillAsync(image.Id, Reason(ex), ex);
            throw ex switch
            {
                ImageDataException { TooLarge: true } => new UploadTooLargeException(ex.Message),
                ImageDataException => new InvalidRequestException(ex.Message),
                // The API reaches Ceph only here, on the first upload: an outage answers this request, not /readyz.
                Rbd.RbdException => new ServiceUnavailableException(Reason(ex)),
                _ => ex,
            };
        }

        // The heartbeat changed the row's version, so the transition starts from a fresh read; a reconciler
        // that killed the upload meanwhile wins, and the data goes.
        db.ChangeTracker.Clear();
        var current = await db.Images.FirstOrDefaultAsync(i => i.Id == image.Id, CancellationToken.None);
        if (current is not { Status: ImageStatus.Saving })
        {
            await pool.DeleteAsync(image.BackendName, CancellationToken.None);
            throw new ConflictException($"Image {image.Id} was {(current is null ? "deleted" : current.Status.ToWire())} while its data was uploaded.");
        }
        current.Activate(size, virtualSize, Convert.ToHexStringLower(md5.GetHashAndReset()), Convert.ToHexStringLower(sha512.GetHashAndReset()),
            clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(CancellationToken.None);
        LogActive(image.Id, size, virtualSize);
        return Results.NoContent();
    }

    private static string Reason(Exception ex) => ex switch
    {
        ImageDataException e => e.Message,
        OperationCanceledException or BadHttpRequestException or IOException => "The upload was interrupted before all the data arrived.",
        Rbd.RbdException e => $"The image data could not be stored: {e.Message}",
        _ => "The image data could not be stored.",
    };

    /// <summary>Kills the image and removes its data. Runs whatever the request's state: the client may be gone.</summary>
    private async Task KillAsync(Guid imageId, string reason, Exception cause)
    {
        LogKilled(cause, imageId, reason);
        try
        {
            await pool.DeleteAsync(imageId.ToString(), CancellationToken.None);
        }
        catch (Exception ex) when (ex is Rbd.RbdException)
        {
            LogCleanupFailed(ex, imageId); // the reconciler removes it: the row is killed
        }
        db.ChangeTracker.Clear();
        var image = await db.Images.FirstOrDefaultAsync(i => i.Id == imageId, CancellationToken.None);
        if (image is not { Status: ImageStatus.Saving }) return;
        image.Kill(reason, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>Touches the row until stopped, from a context of its own (a DbContext serves one caller at a time).</summary>
    private UploadHeartbeat Heartbeat(Guid imageId)
    {
        var stop = new CancellationTokenSource();
        var interval = options.Value.HeartbeatInterval;
        async Task Run()
        {
            using var timer = new PeriodicTimer(interval, clock);
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var own = scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>();
                    var now = clock.GetUtcNow().UtcDateTime;
                    await own.Images.Where(i => i.Id == imageId && i.Status == ImageStatus.Saving)
                        .ExecuteUpdateAsync(s => s.SetProperty(i => i.StatusChangedAt, now), stop.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogHeartbeatFailed(ex, imageId); // the next beat may get through; the reconciler judges by minutes
                }
            }
        }
        return new UploadHeartbeat(Run(), stop);
    }

    private sealed class UploadHeartbeat(Task running, CancellationTokenSource stop)
    {
        public async Task StopAsync()
        {
            await stop.CancelAsync();
            try { await running; }
            catch (OperationCanceledException) { }
            stop.Dispose();
        }
    }

    [LoggerMessage(LogLevel.Information, "Image {ImageId}: upload started ({Format})")]
    private partial void LogStarted(Guid imageId, string format);

    [LoggerMessage(LogLevel.Information, "Image {ImageId}: active, {Size} bytes uploaded, {VirtualSize} bytes virtual")]
    private partial void LogActive(Guid imageId, long size, long virtualSize);

    [LoggerMessage(LogLevel.Information, "Image {ImageId}: qcow2 converted into a raw base of {VirtualSize} bytes in {Seconds:0.000} s")]
    private partial void LogConverted(Guid imageId, long virtualSize, double seconds);

    [LoggerMessage(LogLevel.Warning, "Image {ImageId}: killed: {Reason}")]
    private partial void LogKilled(Exception ex, Guid imageId, string reason);

    [LoggerMessage(LogLevel.Warning, "Image {ImageId}: the upload's heartbeat failed")]
    private partial void LogHeartbeatFailed(Exception ex, Guid imageId);

    [LoggerMessage(LogLevel.Warning, "Image {ImageId}: its data could not be removed; the reconciler will")]
    private partial void LogCleanupFailed(Exception ex, Guid imageId);
}
