namespace BlockStore.Contracts;

/// <summary>Rewrite a volume in status <c>downloading</c> with the data of image <paramref name="ImageId"/> (<c>os-reimage</c>).</summary>
public sealed record ReimageVolume(Guid VolumeId, Guid ImageId);
