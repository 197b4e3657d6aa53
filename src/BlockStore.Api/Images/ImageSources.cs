using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Images;

/// <summary>An image as the source of a new volume: Cinder's checks, and the metadata the volume keeps of it.</summary>
public static class ImageSources
{
    private const long Gib = 1L << 30;

    /// <summary>
    /// The image <c>imageRef</c> names, by id or (as Cinder allows) by a name only one visible image has.
    /// An id the caller cannot see is 404; a name that matches nothing or more than one is 400; an image
    /// that is not active is 400.
    /// </summary>
    public static async Task<Image> FindActiveAsync(BlockStoreDbContext db, ApiRequest req, string imageRef, CancellationToken ct)
    {
        Image image;
        if (Guid.TryParse(imageRef, out _))
        {
            image = await ImagesApi.FindAsync(db, req, imageRef, ct);
        }
        else
        {
            var named = await db.Images.AsNoTracking()
                .Where(i => i.Name == imageRef && (req.Caller.IsAdmin || i.ProjectId == req.ProjectId || i.Visibility == ImageVisibility.Public
                    || i.Visibility == ImageVisibility.Shared && db.ImageMembers.Any(m =>
                        m.ImageId == i.Id && m.MemberId == req.ProjectId && m.Status == ImageMemberStatus.Accepted)))
                .Take(2).ToListAsync(ct);
            image = named.Count == 1 ? named[0] : throw new InvalidRequestException("Invalid image identifier or unable to access requested image.");
        }
        image.RequireActive();
        return image;
    }

    /// <summary>The least size, in GiB, a volume needs to hold the image: its disk rounded up, and its min_disk.</summary>
    public static int LeastSizeGb(Image image) => Math.Max(GbRoundedUp(image.VirtualSize ?? 0), Math.Max(image.MinDisk, 1));

    /// <summary>Cinder's two refusals, with Cinder's wording.</summary>
    public static void RequireFits(Image image, int volumeSizeGb)
    {
        var imageGb = GbRoundedUp(image.VirtualSize ?? 0);
        if (imageGb > volumeSizeGb)
            throw new InvalidRequestException($"Invalid input received: Size of specified image {imageGb}GB is larger than volume size {volumeSizeGb}GB.");
        if (image.MinDisk > volumeSizeGb)
            throw new InvalidRequestException($"Invalid input received: Volume size {volumeSizeGb}GB cannot be smaller than the image minDisk size {image.MinDisk}GB.");
    }

    private static int GbRoundedUp(long bytes) => (int)((bytes + Gib - 1) / Gib);
}
