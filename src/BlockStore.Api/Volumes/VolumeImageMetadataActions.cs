using System.Text.RegularExpressions;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

namespace BlockStore.Api.Volumes;

/// <summary>
/// <c>os-set_image_metadata</c>, <c>os-unset_image_metadata</c> and <c>os-show_image_metadata</c>: a volume's
/// <c>volume_image_metadata</c>, which Nova reads when it boots from the volume (cinderclient's <c>image-metadata</c>).
/// </summary>
public static partial class VolumeImageMetadataActions
{
    public static async Task<IResult> SetAsync(Volume volume, SetImageMetadataAction action, ApiRequest req, BlockStoreDbContext db,
        DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_image_metadata:set");
        if (action.Metadata is not { } metadata)
            throw new InvalidRequestException("Invalid input for field/attribute os-set_image_metadata. 'metadata' is a required property.");
        // Cinder's parameter_types.image_metadata: keys of these characters, 1 to 255 of them; values up to 255.
        if (metadata.FirstOrDefault(p => !ImageMetadataKey().IsMatch(p.Key) || p.Value is null || p.Value.Length > 255) is { Key: { } bad })
            throw new InvalidRequestException(
                $"Invalid input for field/attribute metadata. Key '{bad}': keys are 1 to 255 of a-z, A-Z, 0-9, '-', '_', ':', '.', ' ' and '/', and values strings of at most 255.");
        volume.SetImageMetadata(metadata, now);
        await db.SaveChangesAsync(ct);
        return Body(volume.ImageMetadata);
    }

    public static async Task<IResult> UnsetAsync(Volume volume, UnsetImageMetadataAction action, ApiRequest req, BlockStoreDbContext db,
        DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_image_metadata:remove");
        if (action.Key is not { Length: > 0 and <= 255 } key)
            throw new InvalidRequestException("Invalid input for field/attribute os-unset_image_metadata. 'key' must be a string of 1 to 255 characters.");
        if (!volume.RemoveImageMetadataKey(key, now))
            throw new ResourceNotFoundException($"Glance metadata for volume/snapshot {volume.Id} cannot be found.");
        await db.SaveChangesAsync(ct);
        return Results.Ok();
    }

    /// <summary>Anyone who may see the volume may read its image record; an empty object when it has none.</summary>
    public static IResult Show(Volume volume) => Body(volume.ImageMetadata);

    private static JsonBody Body(IReadOnlyDictionary<string, string>? metadata) =>
        JsonBody.Ok(w => { w.WriteStartObject(); w.WriteDictionary("metadata", metadata ?? new Dictionary<string, string>()); w.WriteEndObject(); });

    [GeneratedRegex("^[a-zA-Z0-9-_:. /]{1,255}$")]
    private static partial Regex ImageMetadataKey();
}
