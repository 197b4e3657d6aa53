namespace BlockStore.Core.Volumes;

/// <summary>
/// Storage on a backend that no volume owns, as the worker's last scan of the backend found it: what an administrator
/// may adopt with <c>os-volume-manage</c>. The manageable lists read these rows (the API has no way into the backends),
/// so they are as fresh as the last scan (<c>Reconciler:Interval</c>), and a manage or unmanage updates them at once.
/// </summary>
public sealed class ManageableImage
{
    private ManageableImage() { }

    public ManageableImage(string backend, string name, long sizeBytes, int watchers, int snapshots, string? parent, DateTime scannedAt,
        string? problem = null)
    {
        Problem = problem is { Length: > 1024 } ? problem[..1024] : problem;
        Backend = backend;
        Name = name;
        SizeBytes = sizeBytes;
        Watchers = watchers;
        Snapshots = snapshots;
        Parent = parent;
        ScannedAt = scannedAt;
    }

    /// <summary>The configured backend (<c>Backends:&lt;name&gt;</c>) that holds it.</summary>
    public string Backend { get; private set; } = "";

    /// <summary>Its name in the backend: the <c>source-name</c> a manage refers to it by.</summary>
    public string Name { get; private set; } = "";

    public long SizeBytes { get; private set; }

    /// <summary>Clients that have it open (RBD watchers): a host that maps it is using it.</summary>
    public int Watchers { get; private set; }

    /// <summary>Its own snapshots, which come along when it is managed, for <c>os-snapshot-manage</c> to adopt.</summary>
    public int Snapshots { get; private set; }

    /// <summary>The snapshot it is a copy-on-write clone of (<c>pool/image@snapshot</c>), or null.</summary>
    public string? Parent { get; private set; }

    public DateTime ScannedAt { get; private set; }

    /// <summary>Why the scan could not describe it (it is listed, and not safe to manage), or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>Size in whole GiB, rounded up, as Cinder reports it and as a managed volume takes it.</summary>
    public int SizeGb => SizeInGb(SizeBytes);

    /// <summary><paramref name="bytes"/> in whole GiB, rounded up, and at least 1.</summary>
    public static int SizeInGb(long bytes) => (int)Math.Max(1, (bytes + (1L << 30) - 1) >> 30);

    /// <summary>
    /// Why a manage of it would be refused (Cinder's <c>reason_not_safe</c>), or null when it is safe: a volume takes
    /// its storage whole, so not while a client uses it.
    /// </summary>
    public string? ReasonNotSafe => Problem is not null ? $"cannot be read: {Problem}" : Watchers > 0 ? "volume in use" : null;
}
