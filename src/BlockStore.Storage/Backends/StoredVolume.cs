namespace BlockStore.Storage.Backends;

/// <summary>One piece of storage as a backend describes it (<see cref="IVolumeBackend.DescribeAsync"/>).</summary>
/// <param name="Name">Its name in the backend.</param>
/// <param name="SizeBytes">Its size.</param>
/// <param name="Watchers">Clients that have it open (RBD watchers), by address.</param>
/// <param name="Snapshots">How many snapshots it has.</param>
/// <param name="Parent">The snapshot it is a copy-on-write clone of, as <c>pool/image@snapshot</c>; null when none.</param>
public sealed record StoredVolume(string Name, long SizeBytes, IReadOnlyList<string> Watchers, int Snapshots, string? Parent);
