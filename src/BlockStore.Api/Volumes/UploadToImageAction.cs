using System.Text.Json.Serialization;
using BlockStore.Api.Images;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Types;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;
using BlockStore.Core.Quotas;
using BlockStore.Core.Volumes;

namespace BlockStore.Api.Volumes;

public sealed class UploadImageAction
{
    public string? ImageName { get; set; }
    public string? DiskFormat { get; set; }
    public string? ContainerFormat { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? Force { get; set; }
    public string? Visibility { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? Protected { get; set; }
}

/// <summary>
/// <c>os-volume_upload_image</c>: the volume goes <c>uploading</c>, a new image <c>saving</c>, and the worker
/// copies the data inside the cluster (RBD snapshot, clone into the images pool, flatten); no qemu-img.
/// </summary>
public static class UploadToImageAction
{
    public static async Task<IResult> RunAsync(Volume volume, UploadImageAction action, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:upload_image");
        if (string.IsNullOrWhiteSpace(action.ImageName)) throw new InvalidRequestException("Invalid input received: image_name is required.");
        var diskFormat = action.DiskFormat ?? "raw";
        if (diskFormat != "raw")
            throw new InvalidRequestException($"Invalid input received: disk_format '{diskFormat}' is not supported here; a volume is uploaded as a raw image.");
        var visibility = CreateImageRequest.ParseVisibility(action.Visibility ?? "private");
        if (visibility == ImageVisibility.Public) req.Caller.RequireAdmin("volume_extension:volume_actions:upload_public");
        var image = Image.FromVolume(volume.ProjectId, action.ImageName, diskFormat, action.ContainerFormat ?? "bare", visibility,
            action.Protected ?? false, volume.Id, volume.Size, now);
        volume.BeginUploadToImage(action.Force ?? false, now);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await quotas.ChargeImageAsync(volume.ProjectId, ct);
        db.Images.Add(image);
        db.Enqueue(new UploadVolumeToImage(volume.Id, image.Id), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        var type = await VolumeLookup.FindTypeAsync(db, volume.VolumeTypeId.ToString(), namedBy: null, ct);
        return JsonBody.Accepted(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("os-volume_upload_image");
            w.WriteString("id", volume.Id);
            w.WriteTimestamp("updated_at", volume.UpdatedAt);
            w.WriteString("status", volume.Status.ToWire());
            w.WriteStringOrNull("display_description", volume.Description);
            w.WriteNumber("size", volume.Size);
            w.WritePropertyName("volume_type");
            TypeView.Write(w, type, req);
            w.WriteString("image_id", image.Id);
            w.WriteString("container_format", image.ContainerFormat);
            w.WriteString("disk_format", image.DiskFormat);
            w.WriteString("image_name", image.Name);
            if (req.Version.AtLeast(1))
            {
                w.WriteString("visibility", image.Visibility.ToString().ToLowerInvariant());
                w.WriteBoolean("protected", image.Protected);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
