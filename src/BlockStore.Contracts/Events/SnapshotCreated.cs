namespace BlockStore.Contracts;

public sealed record SnapshotCreated(Guid SnapshotId, Guid VolumeId, string ProjectId, DateTime At);
