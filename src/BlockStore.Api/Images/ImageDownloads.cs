using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;
using BlockStore.Storage.Images;

namespace BlockStore.Api.Images;

/// <summary>
/// <c>GET /v2/images/{id}/file</c>: the image's data, streamed from its snapshot in the images pool, for whoever may see
/// the image (members included). As in Glance: an image without data yet answers 204, and <c>Content-MD5</c> carries
/// the upload's checksum, which clients check. One <c>Range</c> (<see cref="ByteRange"/>) answers 206 with that part
/// and its <c>Content-Range</c>, and no <c>Content-MD5</c>, which would not be the part's. A qcow2 upload was converted
/// to raw when it arrived and its bytes were not kept, so it cannot be given back as qcow2 (409); its volumes and clones
/// are unaffected.
/// </summary>
public static class ImageDownloads
{
    public static async Task<IResult> DownloadAsync(string id, HttpResponse response, ApiRequest req, BlockStoreDbContext db, ImagePool pool,
        CancellationToken ct)
    {
        var image = await ImagesApi.FindAsync(db, req, id, ct);
        if (image.Status != ImageStatus.Active) return Results.NoContent();
        if (image.DiskFormat != "raw")
            throw new ConflictException(
                $"Image {image.Id} was uploaded as {image.DiskFormat} and converted to raw; the uploaded data was not kept, so it cannot be downloaded.");
        var size = image.VirtualSize ?? 0;
        var range = ByteRange.Parse(response.HttpContext.Request.Headers.Range, size);
        if (range is { } part)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = part.ContentRange(size);
        }
        else if (image.Checksum is { } md5) response.Headers["Content-MD5"] = md5;
        response.Headers.AcceptRanges = "bytes";
        response.ContentLength = range?.Length ?? size;
        return Results.Stream(async body =>
        {
            try
            {
                await pool.ExportAsync(image.BackendName, body, ct, range?.Start ?? 0, range?.Length);
            }
            catch (Rbd.RbdException e) when (!response.HasStarted)
            {
                throw new ServiceUnavailableException($"The data of image {image.Id} could not be read: {e.Message}");
            }
        }, "application/octet-stream");
    }
}
