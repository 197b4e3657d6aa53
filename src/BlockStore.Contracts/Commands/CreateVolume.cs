namespace BlockStore.Contracts;

/// <summary>Create the backing image of a volume that the API recorded in status <c>creating</c>.</summary>
public sealed record CreateVolume(Guid VolumeId);
