using System.Globalization;
using BlockStore.Rbd;
using BlockStore.Storage.Rbd;
using RbdPool = BlockStore.Rbd.Rbd;

namespace BlockStore.Storage.Backends;

/// <summary>
/// Volumes as RBD images in one pool: format 2 with layering, exclusive-lock, object-map, fast-diff and
/// deep-flatten. Snapshots are protected so that they can be cloned. A volume whose snapshots still
/// have clones is renamed out of sight and removed once its last clone is gone.
/// </summary>
/// <param name="name">The backend's name.</param>
/// <param name="pool">The pool that holds its images.</param>
/// <param name="ceph">The process's connection to the cluster.</param>
/// <param name="busyGrace">How long a delete waits for other clients to close the image; <see cref="DefaultBusyGrace"/> when null.</param>
public sealed class RbdVolumeBackend(string name, string pool, CephConnection ceph, TimeSpan? busyGrace = null) : IVolumeBackend
{
    /// <summary>
    /// librbd refuses to remove an image that has watchers (EBUSY). A client that died with the image open keeps
    /// its watch until the OSDs time it out (<c>osd_client_watch_timeout</c>, 30 s by default), and a duplicate
    /// delivery may have it open for a moment, so a delete waits this long before it gives up.
    /// </summary>
    public static readonly TimeSpan DefaultBusyGrace = TimeSpan.FromSeconds(45);

    private readonly TimeSpan _busyGrace = busyGrace ?? DefaultBusyGrace;

    /// <summary>Prefix of images whose removal waits for their clones.</summary>
    public const string HiddenPrefix = "deleted-";

    internal static readonly RbdImageOptions CreateOptions = new()
    {
        Features = RbdFeatures.Layering | RbdFeatures.ExclusiveLock | RbdFeatures.ObjectMap | RbdFeatures.FastDiff | RbdFeatures.DeepFlatten,
    };

    // A deep copy into another pool is flattened, so that the copy depends on nothing left behind.
    private static readonly RbdImageOptions DeepCopyOptions = new() { Features = CreateOptions.Features, Flatten = true };

    // Process-wide, as librbd's trouble is: one removal per image at a time, keyed by pool and name.
    private static readonly KeyedGate Removing = new();

    private IoContext? _io;

    /// <inheritdoc />
    public string Name => name;

    /// <summary>The pool that holds this backend's images.</summary>
    public string Pool => pool;

    /// <inheritdoc />
    public bool SupportsSnapshots => true;

    /// <summary>The pool's I/O context, opened once; librados contexts are safe to share across threads.</summary>
    public async Task<IoContext> IoAsync(CancellationToken cancellationToken) =>
        _io ??= (await ceph.GetAsync(cancellationToken).ConfigureAwait(false)).OpenIoContext(pool);

    /// <inheritdoc />
    public async Task CreateAsync(string volume, long sizeBytes, CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RbdPool.Create(io, volume, (ulong)sizeBytes, CreateOptions);
            return;
        }
        catch (RbdExistsException)
        {
        }
        // An earlier delivery got this far. rbd_create is not atomic: a process killed inside it leaves the name
        // taken (directory entry and id object) with no header, an image that cannot be opened. Another delivery
        // may also be inside rbd_create right now, so look again a moment later before removing the wreck.
        if (TryGrowTo(io, volume, sizeBytes)) return;
        await Task.Delay(WreckGrace, cancellationToken).ConfigureAwait(false);
        if (TryGrowTo(io, volume, sizeBytes)) return;
        RemoveWreck(io, volume);
        RbdPool.Create(io, volume, (ulong)sizeBytes, CreateOptions);
    }

    /// <summary>How long a half-made image is given to become openable before it is taken for a crash's leftover.</summary>
    private static readonly TimeSpan WreckGrace = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    /// <exception cref="RbdBusyException">The image was still open elsewhere when the busy grace ran out; the message names the watchers.</exception>
    public async Task<bool> DeleteAsync(string volume, CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        // One removal of an image at a time in this process: librbd 16 can hang (a remove that waits forever for
        // the image's lock) or abort when two rbd_remove calls on one image overlap. A duplicate delivery waits
        // here, then finds the image gone.
        using var turn = await Removing.EnterAsync($"{pool}/{volume}", cancellationToken).ConfigureAwait(false);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                if (TryRemove(io, volume)) return true;
                RbdPool.Rename(io, volume, HiddenPrefix + volume);
                return false;
            }
            catch (RbdException ex) when ((ex is RbdBusyException or RbdStaleException) && waited.Elapsed < _busyGrace)
            {
                // Busy: open elsewhere, wait for it to close. Stale: another delivery removed it between our lookup
                // and our removal; the next look usually finds it gone.
                await Task.Delay(Min(pause, _busyGrace - waited.Elapsed), cancellationToken).ConfigureAwait(false);
                pause = Min(pause * 2, TimeSpan.FromSeconds(4));
            }
            catch (RbdBusyException ex)
            {
                throw new RbdBusyException(
                    $"{volume} is still open elsewhere after {_busyGrace.TotalSeconds:0} s ({DescribeWatchers(io, volume)})", ex.ErrorCode, ex.Operation ?? "rbd_remove");
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Who holds the image open, for the error that ends a delete: the watchers' addresses.</summary>
    private static string DescribeWatchers(IoContext io, string volume)
    {
        try
        {
            using var image = RbdImage.Open(io, volume, readOnly: true);
            var watchers = image.ListWatchers();
            return watchers.Count == 0 ? "no watchers left now" : $"watchers: {string.Join(", ", watchers.Select(w => w.Address))}";
        }
        catch (RbdException ex)
        {
            return $"watchers unknown: {ex.Message}";
        }
    }

    /// <inheritdoc />
    public async Task ResizeAsync(string volume, long sizeBytes, CancellationToken cancellationToken) =>
        GrowTo(await IoAsync(cancellationToken).ConfigureAwait(false), volume, sizeBytes);

    /// <inheritdoc />
    public async Task<IBlockDevice> OpenAsync(string volume, bool writable, CancellationToken cancellationToken) =>
        RbdBlockDevice.Open(await IoAsync(cancellationToken).ConfigureAwait(false), volume, writable);

    /// <inheritdoc />
    public async Task<IBlockSource> OpenSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken) =>
        RbdBlockDevice.Open(await IoAsync(cancellationToken).ConfigureAwait(false), volume, writable: false, snapshot);

    /// <inheritdoc />
    /// <remarks>A stat of an object that is normally absent (the OSD's answer is what counts), then the pool's usage.</remarks>
    public async Task<BackendCapacity> ProbeAsync(CancellationToken cancellationToken)
    {
        (await IoAsync(cancellationToken).ConfigureAwait(false)).Stat(CephHealthCheck.ProbeObject);
        var usage = (await ceph.GetAsync(cancellationToken).ConfigureAwait(false)).GetPoolUsage(pool);
        return new BackendCapacity(usage.TotalBytes, usage.MaxAvailableBytes);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>?> MonitorsAsync(CancellationToken cancellationToken) =>
        (await ceph.GetAsync(cancellationToken).ConfigureAwait(false)).GetMonitorAddresses();

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string volume, CancellationToken cancellationToken) =>
        ImageExists(await IoAsync(cancellationToken).ConfigureAwait(false), volume);

    private static bool ImageExists(IoContext io, string volume)
    {
        try
        {
            using var image = RbdImage.Open(io, volume, readOnly: true);
            return true;
        }
        catch (RbdNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The features that assume one writer, which a multiattach volume goes without.</summary>
    public const RbdFeatures SingleWriterFeatures = RbdFeatures.ExclusiveLock | RbdFeatures.ObjectMap | RbdFeatures.FastDiff | RbdFeatures.Journaling;

    /// <inheritdoc />
    /// <remarks>
    /// librbd flags an object map enabled on an existing image invalid, at the head and at each snapshot, until it is
    /// rebuilt: each is rebuilt here, so that fast-diff serves the copies and diffs of this volume again. A rebuild that
    /// dies half-way leaves the features on and the flag set, and the call done again rebuilds what is still flagged.
    /// </remarks>
    public async Task SetSharedAsync(string volume, bool shared, CancellationToken cancellationToken)
    {
        using var image = RbdImage.Open(await IoAsync(cancellationToken).ConfigureAwait(false), volume);
        var present = image.GetFeatures() & SingleWriterFeatures;
        if (shared)
        {
            if (present != RbdFeatures.None) image.UpdateFeatures(present, enabled: false);
            return;
        }
        var missing = CreateOptions.Features!.Value & SingleWriterFeatures & ~present;
        if (missing != RbdFeatures.None) image.UpdateFeatures(missing, enabled: true);
        if (!image.GetFeatures().HasFlag(RbdFeatures.ObjectMap)) return;
        if (image.GetFlags() != RbdImageFlags.None) await image.RebuildObjectMapAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        // Looked at through the same handle: no read-only open of each snapshot (such opens, made while a related image
        // was being removed, have hung in librbd 16 here).
        foreach (var snapshot in image.ListSnapshots().Where(s => image.GetFlags(s.Name) != RbdImageFlags.None))
            await image.RebuildObjectMapAsync(snapshot.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Cinder's back-end QoS spec keys and the librbd options they set, as Cinder's RBD driver maps them, except that
    /// <c>total_iops_sec_max</c> sets the IOPS burst (Cinder 21.3 maps it to the bytes burst, <c>rbd_qos_bps_burst</c>).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> QosOptions = new Dictionary<string, string>
    {
        ["total_iops_sec"] = "rbd_qos_iops_limit", ["read_iops_sec"] = "rbd_qos_read_iops_limit", ["write_iops_sec"] = "rbd_qos_write_iops_limit",
        ["total_bytes_sec"] = "rbd_qos_bps_limit", ["read_bytes_sec"] = "rbd_qos_read_bps_limit", ["write_bytes_sec"] = "rbd_qos_write_bps_limit",
        ["total_iops_sec_max"] = "rbd_qos_iops_burst", ["read_iops_sec_max"] = "rbd_qos_read_iops_burst",
        ["write_iops_sec_max"] = "rbd_qos_write_iops_burst", ["total_bytes_sec_max"] = "rbd_qos_bps_burst",
        ["read_bytes_sec_max"] = "rbd_qos_read_bps_burst", ["write_bytes_sec_max"] = "rbd_qos_write_bps_burst",
    };

    /// <summary>An image's metadata key that overrides librbd's option for its clients (<c>rbd config image set</c>).</summary>
    private static string ImageOption(string option) => $"conf_{option}";

    /// <inheritdoc />
    /// <remarks>One metadata read, then a write for each key that changes only.</remarks>
    /// <exception cref="ArgumentException">A value that is no whole, non-negative number (librbd's options are counts).</exception>
    public async Task ApplyQosAsync(string volume, IReadOnlyDictionary<string, string> specs, CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in specs)
        {
            if (!QosOptions.TryGetValue(key, out var option)) continue; // front-end only, or per GiB: the hypervisor's
            if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number != decimal.Truncate(number)
                || number > ulong.MaxValue)
                throw new ArgumentException($"QoS spec {key}={value} is not a whole number, and librbd's {option} takes only whole numbers.", nameof(specs));
            wanted[ImageOption(option)] = ((ulong)number).ToString(CultureInfo.InvariantCulture);
        }
        using var image = RbdImage.Open(await IoAsync(cancellationToken).ConfigureAwait(false), volume);
        var present = image.ListMetadata();
        foreach (var (key, value) in wanted)
            if (!present.TryGetValue(key, out var current) || current != value) image.SetMetadata(key, value);
        foreach (var option in QosOptions.Values.Select(ImageOption).Distinct())
            if (present.ContainsKey(option) && !wanted.ContainsKey(option)) image.RemoveMetadata(option);
    }

    /// <inheritdoc />
    public bool CanManageExisting => true;

    /// <inheritdoc />
    /// <remarks>Opened read-only, which takes no watch and no lock: describing an image in use disturbs nothing.</remarks>
    public async Task<StoredVolume?> DescribeAsync(string name, CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var image = RbdImage.Open(io, name, readOnly: true);
            var parent = image.GetParent();
            return new StoredVolume(name, (long)image.GetSize(), image.ListWatchers().Select(w => w.Address).ToList(), image.ListSnapshots().Count,
                parent is null ? null : $"{parent.Image.PoolName}/{parent.Image.ImageName}@{parent.SnapshotName}");
        }
        catch (RbdNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <c>rbd_rename</c> changes the pool's directory entry only: the image's id, data, snapshots and clone links stay,
    /// so a clone of it, or a parent it is a clone of, is unaffected, and so is a client that has it open.
    /// </remarks>
    public async Task RenameAsync(string from, string to, CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RbdPool.Rename(io, from, to);
        }
        catch (RbdNotFoundException) when (ImageExists(io, to))
        {
            // An earlier delivery renamed it.
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredSnapshot>> ListSnapshotsAsync(string volume, CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var image = RbdImage.Open(io, volume, readOnly: true);
            return image.ListSnapshots().Select(s => new StoredSnapshot(s.Name, (long)s.Size)).ToList();
        }
        catch (RbdNotFoundException)
        {
            return [];
        }
    }

    /// <inheritdoc />
    public async Task AdoptSnapshotAsync(string volume, string from, string to, CancellationToken cancellationToken)
    {
        using var image = RbdImage.Open(await IoAsync(cancellationToken).ConfigureAwait(false), volume);
        try
        {
            image.RenameSnapshot(from, to);
        }
        catch (RbdNotFoundException) when (image.SnapshotExists(to))
        {
            // An earlier delivery renamed it.
        }
        if (!image.IsSnapshotProtected(to)) image.ProtectSnapshot(to);
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var image = RbdImage.Open(io, volume);
            if (!image.SnapshotExists(snapshot)) return true;
            if (ChildrenOf(io, volume, snapshot) > 0) return false;
            if (image.IsSnapshotProtected(snapshot)) image.UnprotectSnapshot(snapshot);
            return true;
        }
        catch (RbdNotFoundException)
        {
            return true;
        }
    }

    private static int ChildrenOf(IoContext io, string volume, string snapshot)
    {
        using var atSnapshot = RbdImage.Open(io, volume, snapshot, readOnly: true);
        return atSnapshot.ListChildren().Count;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        RbdPool.List(await IoAsync(cancellationToken).ConfigureAwait(false))
            .Select(i => i.Name).Where(n => !n.StartsWith(HiddenPrefix, StringComparison.Ordinal)).ToList();

    /// <inheritdoc />
    public async Task CreateSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken)
    {
        using var image = RbdImage.Open(await IoAsync(cancellationToken).ConfigureAwait(false), volume);
        if (!image.SnapshotExists(snapshot)) image.CreateSnapshot(snapshot);
        if (!image.IsSnapshotProtected(snapshot)) image.ProtectSnapshot(snapshot);
    }

    /// <inheritdoc />
    /// <remarks><c>rbd_snap_rollback</c>: librbd rewrites every object of the image from the snapshot.</remarks>
    public async Task RevertToSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken)
    {
        using var image = RbdImage.Open(await IoAsync(cancellationToken).ConfigureAwait(false), volume);
        await image.RollbackToSnapshotAsync(snapshot, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var image = RbdImage.Open(io, volume);
            return TryRemoveSnapshot(io, image, snapshot);
        }
        catch (RbdNotFoundException)
        {
            return true;
        }
    }

    /// <inheritdoc />
    public async Task CloneAsync(string parent, string snapshot, string child, long sizeBytes, CancellationToken cancellationToken) =>
        await CloneAsync(await IoAsync(cancellationToken).ConfigureAwait(false), parent, snapshot, child, sizeBytes, cancellationToken).ConfigureAwait(false);

    /// <summary>Like <see cref="CloneAsync(string, string, string, long, CancellationToken)"/>, from a parent in another pool of the same cluster (an image).</summary>
    public async Task CloneAsync(IoContext parentIo, string parent, string snapshot, string child, long sizeBytes, CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RbdPool.Clone(parentIo, parent, snapshot, io, child, CreateOptions);
        }
        catch (RbdExistsException)
        {
            // An earlier delivery cloned it already; growing it below is idempotent too.
        }
        GrowTo(io, child, sizeBytes);
    }

    /// <inheritdoc />
    public async Task<int> CloneDepthAsync(string volume, CancellationToken cancellationToken)
    {
        var cluster = await ceph.GetAsync(cancellationToken).ConfigureAwait(false);
        var (depth, poolName, imageName) = (0, pool, volume);
        while (depth < 64)
        {
            using var io = cluster.OpenIoContext(poolName);
            using var image = RbdImage.Open(io, imageName, readOnly: true);
            if (image.GetParent() is not { } parent) return depth;
            (depth, poolName, imageName) = (depth + 1, parent.Image.PoolName, parent.Image.ImageName);
        }
        return depth;
    }

    /// <inheritdoc />
    public async Task FlattenAsync(string volume, IProgress<double>? percent, CancellationToken cancellationToken)
    {
        using var image = RbdImage.Open(await IoAsync(cancellationToken).ConfigureAwait(false), volume);
        if (image.GetParent() is null) return;
        var progress = percent is null ? null : new Progress<RbdProgress>(p => percent.Report(p.Percent));
        await image.FlattenAsync(progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies a volume into another RBD backend of the same cluster with <c>rbd_deep_copy</c>: librbd copies it
    /// object by object (only the objects that exist, snapshots' data flattened), inside this process but
    /// never through BlockStore's own copier or buffers. A deep copy cannot resume, so a partial copy left by an
    /// interrupted call is removed first and the copy starts over.
    /// </summary>
    /// <param name="volume">The volume's name, the same in both pools.</param>
    /// <param name="destination">The backend to copy into.</param>
    /// <param name="percent">Receives librbd's progress in percent.</param>
    /// <param name="cancellationToken">Stops the copy; the partial destination is left for the caller to remove.</param>
    public async Task DeepCopyToAsync(string volume, RbdVolumeBackend destination, IProgress<double>? percent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        var destinationIo = await destination.IoAsync(cancellationToken).ConfigureAwait(false);
        TryRemove(destinationIo, volume);
        using var image = RbdImage.Open(io, volume, readOnly: true);
        var progress = percent is null ? null : new Progress<RbdProgress>(p => percent.Report(p.Percent));
        await image.DeepCopyAsync(destinationIo, volume, DeepCopyOptions, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<int> PurgeDeferredAsync(CancellationToken cancellationToken)
    {
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        var purged = 0;
        foreach (var hidden in RbdPool.List(io).Where(i => i.Name.StartsWith(HiddenPrefix, StringComparison.Ordinal)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var turn = await Removing.EnterAsync($"{pool}/{hidden.Name}", cancellationToken).ConfigureAwait(false);
            if (TryRemove(io, hidden.Name)) purged++;
        }
        return purged;
    }

    /// <summary>Removes the image and every snapshot without clones; false when a snapshot with clones remains.</summary>
    private static bool TryRemove(IoContext io, string volume)
    {
        try
        {
            using (var image = RbdImage.Open(io, volume))
            {
                var kept = image.ListSnapshots().Count(s => !TryRemoveSnapshot(io, image, s.Name));
                if (kept > 0) return false;
                TrimUnderLock(image);
            }
            RbdPool.Remove(io, volume);
            return true;
        }
        catch (RbdNotFoundException)
        {
            RemoveWreck(io, volume); // no header, but maybe still a name (a create killed half-way)
            return true;
        }
    }

    /// <summary>
    /// Discards the image's data under an exclusive lock that no other client can take, so that rbd_remove finds
    /// nothing left to trim. Two deliveries deleting one volume at once made librbd 16 abort the whole process: the
    /// first rbd_remove trims, closes the image (handing its lock to the second, which is waiting for it) and
    /// removes the header; the second, trimming by then, loses its watch with the header, gives up the lock, and
    /// TrimRequest asserts that it still owns it. A lock taken with <see cref="RbdImage.AcquireExclusiveLock"/> is
    /// refused to the others (their deletes wait as for a busy image), and once an image is empty no rbd_remove has
    /// an object left to remove.
    /// </summary>
    /// <exception cref="RbdBusyException">Another client holds the lock.</exception>
    private static void TrimUnderLock(RbdImage image)
    {
        if (!image.GetFeatures().HasFlag(RbdFeatures.ExclusiveLock)) return; // no lock to lose: rbd_remove trims safely
        image.AcquireExclusiveLock();
        if (image.GetSize() > 0) image.Resize(0);
    }

    /// <summary>rbd_remove also cleans up an image that cannot be opened; nothing at all under the name is fine.</summary>
    private static void RemoveWreck(IoContext io, string volume)
    {
        try
        {
            RbdPool.Remove(io, volume);
        }
        catch (RbdNotFoundException)
        {
        }
    }

    private static bool TryRemoveSnapshot(IoContext io, RbdImage image, string snapshot)
    {
        if (!image.SnapshotExists(snapshot)) return true;
        if (image.IsSnapshotProtected(snapshot))
        {
            if (ChildrenOf(io, image.Name, snapshot) > 0) return false;
            image.UnprotectSnapshot(snapshot);
        }
        image.RemoveSnapshot(snapshot);
        return true;
    }

    private static bool TryGrowTo(IoContext io, string volume, long sizeBytes)
    {
        try
        {
            GrowTo(io, volume, sizeBytes);
            return true;
        }
        catch (RbdNotFoundException)
        {
            return false;
        }
    }

    private static void GrowTo(IoContext io, string volume, long sizeBytes)
    {
        using var image = RbdImage.Open(io, volume);
        if (image.GetSize() < (ulong)sizeBytes) image.Resize((ulong)sizeBytes, allowShrink: false);
    }
}
