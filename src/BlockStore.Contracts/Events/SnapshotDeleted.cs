namespace BlockStore.Contracts;

public sealed record SnapshotDeleted(Guid SnapshotId, Guid VolumeId, string ProjectId, DateTime At);
