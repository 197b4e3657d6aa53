using BlockStore.Api.Images;
using BlockStore.Api.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;
using System.Text.Json.Serialization;

namespace BlockStore.Api.Volumes;

/// <summary><c>{"os-reimage": {"image_id": …, "reimage_reserved": false}}</c>.</summary>
public sealed class ReimageAction : OpenBody
{
    public string? ImageId { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? ReimageReserved { get; set; }
}

/// <summary>
/// <c>os-reimage</c> (3.68, Nova's rebuild of a server booted from the volume): an <c>available</c> or <c>error</c>
/// volume, or a <c>reserved</c> one when <c>reimage_reserved</c> says so, goes <c>downloading</c> and the worker rewrites
/// its data with the image's. Cinder's checks, in Cinder's order: the status, then the image (it must be active and fit).
/// </summary>
public static class VolumeReimageAction
{
    public static async Task<IResult> RunAsync(Volume volume, ReimageAction action, ApiRequest req, BlockStoreDbContext db, DateTime now,
        CancellationToken ct)
    {
        if (!req.Version.AtLeast(68)) throw new ResourceNotFoundException("The resource could not be found.");
        if (action.Unknown is { Count: > 0 } unknown) throw new InvalidRequestException(Rules.Unexpected(unknown.Keys.First()));
        if (action.ImageId is null) throw new InvalidRequestException("Invalid input for field/attribute os-reimage. 'image_id' is a required property");
        if (!Guid.TryParse(action.ImageId, out _)) throw new InvalidRequestException(Rules.NotUuid("image_id", action.ImageId));
        req.Caller.RequireWrite(volume.Status == VolumeStatus.Reserved ? "volume:reimage_reserved" : "volume:reimage");
        var reserved = action.ReimageReserved ?? false;
        volume.RequireReimageable(reserved);
        var image = await ImageSources.FindActiveAsync(db, req, action.ImageId, ct);
        ImageSources.RequireFits(image, volume.Size);
        volume.BeginReimage(image.Id, reserved, now);
        db.Enqueue(new ReimageVolume(volume.Id, image.Id), now);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }
}
