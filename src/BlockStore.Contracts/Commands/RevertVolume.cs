namespace BlockStore.Contracts;

/// <summary>Roll a volume in status <c>reverting</c> back to its latest snapshot, <paramref name="SnapshotId"/>, in status <c>restoring</c>.</summary>
public sealed record RevertVolume(Guid VolumeId, Guid SnapshotId);
