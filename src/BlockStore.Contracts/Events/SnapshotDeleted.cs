namespace BlockStore.Contracts;

/// <summary>
/// A snapshot is gone for its tenant. <paramref name="UnmanagedAs"/>: it was unmanaged, and its data lives on under that
/// name on its volume's storage.
/// </summary>
public sealed record SnapshotDeleted(Guid SnapshotId, Guid VolumeId, string ProjectId, DateTime At, string? UnmanagedAs = null);
