namespace BlockStore.Storage.Backends;

/// <summary>One snapshot of a volume's storage as a backend describes it (<see cref="IVolumeBackend.ListSnapshotsAsync"/>).</summary>
/// <param name="Name">Its name on the volume's storage.</param>
/// <param name="SizeBytes">The volume's size when it was taken.</param>
public sealed record StoredSnapshot(string Name, long SizeBytes);
