namespace BlockStore.Contracts;

/// <summary>Remove a snapshot in status <c>deleting</c>; deferred while clones still depend on it.</summary>
public sealed record DeleteSnapshot(Guid SnapshotId, Guid VolumeId);
