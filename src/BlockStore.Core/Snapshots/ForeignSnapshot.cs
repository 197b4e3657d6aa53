namespace BlockStore.Core.Snapshots;

/// <summary>
/// A snapshot on a volume's storage that no BlockStore snapshot owns: one a managed image brought along, or one let go
/// with <c>os-unmanage</c>. It is what <c>os-snapshot-manage</c> may adopt, and the manageable snapshot lists show it.
/// While a volume has any, it is not deleted or migrated: either would destroy data that BlockStore was never given.
/// The worker records them, and its scan forgets those that are gone from the backend.
/// </summary>
public sealed class ForeignSnapshot
{
    private ForeignSnapshot() { }

    public ForeignSnapshot(Guid volumeId, string backend, string name, long sizeBytes, DateTime scannedAt)
    {
        VolumeId = volumeId;
        Backend = backend;
        Name = name;
        SizeBytes = sizeBytes;
        ScannedAt = scannedAt;
    }

    /// <summary>The volume whose storage holds it.</summary>
    public Guid VolumeId { get; private set; }

    /// <summary>The backend of that volume when it was recorded.</summary>
    public string Backend { get; private set; } = "";

    /// <summary>Its name on the volume's storage: the <c>source-name</c> a manage refers to it by.</summary>
    public string Name { get; private set; } = "";

    /// <summary>The volume's size when the snapshot was taken.</summary>
    public long SizeBytes { get; private set; }

    public DateTime ScannedAt { get; private set; }

    /// <summary>Size in whole GiB, rounded up, as Cinder reports it and as a managed snapshot takes it.</summary>
    public int SizeGb => Volumes.ManageableImage.SizeInGb(SizeBytes);

    /// <summary>
    /// The refusal of a delete or migration of a volume that has <paramref name="names"/> (Cinder's RBD driver would put
    /// the image in the trash with them).
    /// </summary>
    public static string Refusal(Guid volumeId, IReadOnlyCollection<string> names) =>
        $"Volume {volumeId} has {names.Count} snapshot(s) on its storage that BlockStore does not manage ({string.Join(", ", names.Take(5))}{(names.Count > 5 ? ", …" : "")}): manage them (os-snapshot-manage) and delete them, or remove them from the backend, first.";
}
