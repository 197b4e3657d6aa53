namespace BlockStore.Contracts;

/// <summary>Remove the backing image of a volume in status <c>deleting</c>, and then its row.</summary>
public sealed record DeleteVolume(Guid VolumeId);
