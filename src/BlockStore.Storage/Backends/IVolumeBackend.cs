namespace BlockStore.Storage.Backends;

/// <summary>
/// What the worker asks of a backend. Every method is idempotent, because a redelivered message runs
/// it again: creating what exists (same size) or deleting what is gone succeeds.
/// </summary>
public interface IVolumeBackend
{
    /// <summary>The configured backend name (<c>Backends:&lt;name&gt;</c>).</summary>
    string Name { get; }

    /// <summary>Whether snapshots and clones are supported (RBD: yes; the file backend: no).</summary>
    bool SupportsSnapshots { get; }

    /// <summary>
    /// Checks that the backend can serve now, with a round trip to its storage (RBD: a stat in the pool, then the
    /// monitors' <c>df</c>; a file backend: a file created and removed in its folder, then its filesystem's statistics),
    /// and says how full it is. Throws, saying why, when it cannot.
    /// </summary>
    Task<BackendCapacity> ProbeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// What a consumer's host connects to besides the volume's name: RBD, the cluster's monitors as <c>host:port</c>
    /// (<see cref="BlockStore.Rbd.RadosCluster.GetMonitorAddresses"/>); null for a backend whose volumes need none (files).
    /// </summary>
    Task<IReadOnlyList<string>?> MonitorsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>?>(null);

    /// <summary>
    /// Prepares a volume to be written by several hosts at once, or by one again (a volume made multiattach, or no longer;
    /// RBD backends only, as <c>BackendConfig.SupportsMultiattach</c> says), keeping its data. RBD drops the features
    /// that assume one writer (exclusive-lock, and object-map, fast-diff and journaling, which need it), as Cinder's RBD
    /// driver does; made single-writer again, the volume gets back those its backend creates volumes with, and its
    /// object maps are rebuilt. Done already is success.
    /// </summary>
    Task SetSharedAsync(string volume, bool shared, CancellationToken cancellationToken) =>
        shared ? throw new NotSupportedException($"Backend '{Name}' has no multiattach volumes.") : Task.CompletedTask;

    /// <summary>
    /// Sets the back-end QoS limits of a volume to exactly <paramref name="specs"/> (Cinder's QoS spec keys; the ones the
    /// backend does not know are left out), removing the ones it had that are not among them. RBD sets them as the image's
    /// <c>conf_rbd_qos_*</c> metadata, which librbd applies to every client of the image, as Cinder's RBD driver does;
    /// a backend without back-end QoS (files) ignores them. Done already is success.
    /// </summary>
    Task ApplyQosAsync(string volume, IReadOnlyDictionary<string, string> specs, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Whether storage made outside BlockStore can be adopted as a volume (<c>os-volume-manage</c>) and a volume's let go
    /// (<c>os-unmanage</c>), through <see cref="DescribeAsync"/> and <see cref="RenameAsync"/>: RBD yes, files no.
    /// </summary>
    bool CanManageExisting => false;

    /// <summary>What the backend holds under <paramref name="name"/>, whoever made it; null when nothing.</summary>
    Task<StoredVolume?> DescribeAsync(string name, CancellationToken cancellationToken) => throw NoManage();

    /// <summary>
    /// Gives the storage <paramref name="from"/> the name <paramref name="to"/>, data and all. Done already (nothing
    /// under <paramref name="from"/>, something under <paramref name="to"/>) is success, so that a redelivery passes.
    /// </summary>
    Task RenameAsync(string from, string to, CancellationToken cancellationToken) => throw NoManage();

    /// <summary>The snapshots of the volume <paramref name="volume"/>'s storage, whoever took them, oldest first; empty when it is gone.</summary>
    Task<IReadOnlyList<StoredSnapshot>> ListSnapshotsAsync(string volume, CancellationToken cancellationToken) => throw NoManage();

    /// <summary>
    /// Adopts a snapshot of <paramref name="volume"/> taken outside BlockStore (<c>os-snapshot-manage</c>): it is renamed
    /// from <paramref name="from"/> to <paramref name="to"/>, data and clones untouched, and protected like BlockStore's
    /// own. Done already (nothing under <paramref name="from"/>, something under <paramref name="to"/>) is success.
    /// </summary>
    Task AdoptSnapshotAsync(string volume, string from, string to, CancellationToken cancellationToken) => throw NoManage();

    /// <summary>
    /// Lets a snapshot go with its data (<c>os-unmanage</c>): it keeps its name, and is unprotected. Returns false, and
    /// changes nothing, while clones hang from it.
    /// </summary>
    Task<bool> ReleaseSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken) => throw NoManage();

    private NotSupportedException NoManage() => new($"Backend '{Name}' cannot manage or unmanage existing storage.");

    /// <summary>Creates an empty volume of <paramref name="sizeBytes"/>.</summary>
    Task CreateAsync(string volume, long sizeBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Removes a volume. Returns false when the data cannot go yet because clones still depend on one of its
    /// snapshots: the volume is then hidden, and <see cref="PurgeDeferredAsync"/> removes it later.
    /// </summary>
    Task<bool> DeleteAsync(string volume, CancellationToken cancellationToken);

    /// <summary>Grows a volume to <paramref name="sizeBytes"/>; never shrinks.</summary>
    Task ResizeAsync(string volume, long sizeBytes, CancellationToken cancellationToken);

    /// <summary>Opens a volume for block I/O, e.g. as either end of a host-assisted migration. The caller disposes it.</summary>
    /// <param name="volume">The volume's name in the backend.</param>
    /// <param name="writable">Opens it for writing as well as reading.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    Task<IBlockDevice> OpenAsync(string volume, bool writable, CancellationToken cancellationToken);

    /// <summary>
    /// Opens one of a volume's snapshots for reading, e.g. as the source of a backup, which reads one moment of a volume
    /// that may be written meanwhile. The caller disposes it. Only where <see cref="SupportsSnapshots"/>.
    /// </summary>
    /// <param name="volume">The volume's name in the backend.</param>
    /// <param name="snapshot">The snapshot's name.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    Task<IBlockSource> OpenSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Backend '{Name}' has no snapshots.");

    /// <summary>Whether the volume exists (hidden volumes do not).</summary>
    Task<bool> ExistsAsync(string volume, CancellationToken cancellationToken);

    /// <summary>Names of all volumes the backend holds, hidden ones excluded.</summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Takes a snapshot and protects it, so that it can be cloned.</summary>
    Task CreateSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken);

    /// <summary>Removes a snapshot. Returns false when clones still depend on it; the caller retries later.</summary>
    Task<bool> DeleteSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken);

    /// <summary>
    /// Rolls a volume back to one of its snapshots: its data (and size) become the snapshot's. Rolling back again to
    /// the same snapshot is harmless, so a revert cut short is simply run again.
    /// </summary>
    Task RevertToSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="child"/> a copy-on-write clone of a snapshot, grown to <paramref name="sizeBytes"/>.</summary>
    Task CloneAsync(string parent, string snapshot, string child, long sizeBytes, CancellationToken cancellationToken);

    /// <summary>How many ancestors the volume has through clones (0 for a volume that is not a clone).</summary>
    Task<int> CloneDepthAsync(string volume, CancellationToken cancellationToken);

    /// <summary>Copies the parent's data into the volume so that it no longer depends on it.</summary>
    Task FlattenAsync(string volume, IProgress<double>? percent, CancellationToken cancellationToken);

    /// <summary>
    /// Retries removals that were deferred because of clones, and removes what an interrupted create left behind;
    /// returns how many were completed.
    /// </summary>
    Task<int> PurgeDeferredAsync(CancellationToken cancellationToken);
}
