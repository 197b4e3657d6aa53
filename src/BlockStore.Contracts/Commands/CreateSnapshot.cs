namespace BlockStore.Contracts;

/// <summary>Take and protect the backend snapshot of a snapshot row in status <c>creating</c>.</summary>
public sealed record CreateSnapshot(Guid SnapshotId, Guid VolumeId);
