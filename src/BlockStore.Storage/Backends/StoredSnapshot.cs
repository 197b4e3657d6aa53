namespace BlockStore.Storage.Backends;

/// <summary>One snapshot of a volume's storage as a backend describes it (<see cref="IVolumeBackend.ListSnapshotsAsync"/>).</summary>
/// <param name="Name">Its name on the volume's storage.</param>
/// <param name="SizeBytes">The volume's size when it was taken.</param>
/// <param name="Protected">Whether it is protected (RBD: clones may be made from it, and it cannot be removed).</param>
/// <param name="Children">How many clones hang from it.</param>
public sealed record StoredSnapshot(string Name, long SizeBytes, bool Protected, int Children);
