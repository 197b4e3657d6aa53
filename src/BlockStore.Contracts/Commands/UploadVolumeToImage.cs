namespace BlockStore.Contracts;

/// <summary>Copy a volume (status <c>uploading</c>) into an image (status <c>saving</c>) and make that image clonable.</summary>
public sealed record UploadVolumeToImage(Guid VolumeId, Guid ImageId);
