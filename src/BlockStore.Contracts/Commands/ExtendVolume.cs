namespace BlockStore.Contracts;

/// <summary>Grow a volume in status <c>extending</c> to <paramref name="NewSizeGb"/>.</summary>
public sealed record ExtendVolume(Guid VolumeId, int NewSizeGb);
