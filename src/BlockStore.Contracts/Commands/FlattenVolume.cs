namespace BlockStore.Contracts;

/// <summary>One step of the background job that detaches a clone from its parent.</summary>
public sealed record FlattenVolume(Guid JobId, Guid VolumeId);
