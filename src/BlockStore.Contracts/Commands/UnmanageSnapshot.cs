namespace BlockStore.Contracts;

/// <summary>
/// Let the backend snapshot of a snapshot in status <c>unmanaging</c> go (<c>os-unmanage</c>): it stays on its volume's
/// storage, unprotected, and the row is removed. Adopting a backend snapshot (<c>os-snapshot-manage</c>) is a
/// <see cref="CreateSnapshot"/> of a snapshot that names the backend snapshot it manages.
/// </summary>
public sealed record UnmanageSnapshot(Guid SnapshotId, Guid VolumeId);
