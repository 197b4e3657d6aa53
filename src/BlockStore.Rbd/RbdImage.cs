using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

/// <summary>
/// An open RBD image (an <c>rbd_image_t</c>): I/O, size, snapshots, clones and diffs.
/// </summary>
/// <remarks>
/// <para><b>Threading:</b> every member may be called concurrently from any number of threads;
/// librbd serializes what needs it, and many AIO requests may be in flight at once. Do not call
/// <see cref="Dispose"/> while you still expect operations to succeed: calls made after it throw
/// <see cref="ObjectDisposedException"/>, while requests already running finish first (the native
/// image is closed after the last of them completes).</para>
/// <para><b>Lifetime:</b> keeps its <see cref="IoContext"/> and <see cref="RadosCluster"/> alive,
/// so disposing those while the image is open is safe and the image keeps working. Dispose the
/// image itself to close it: <c>rbd_close</c> flushes and releases the exclusive lock and watch.
/// An image that is never disposed is closed by its handle's finalizer.</para>
/// </remarks>
public sealed partial class RbdImage : IDisposable
{
    private readonly RbdImageHandle _handle;

    // SafeHandle.IsClosed stays false while children hold references, so track our own disposal.
    private volatile bool _disposed;

    private RbdImage(RbdImageHandle handle, string poolName, string name, string? snapshot, bool readOnly)
    {
        _handle = handle;
        PoolName = poolName;
        Name = name;
        Snapshot = snapshot;
        IsReadOnly = readOnly;
    }

    /// <summary>The pool the image was opened in.</summary>
    public string PoolName { get; }

    /// <summary>The name the image was opened by.</summary>
    public string Name { get; }

    /// <summary>The snapshot the image was opened at, or null for the image head.</summary>
    public string? Snapshot { get; }

    /// <summary>Whether the image was opened read-only (always the case at a snapshot).</summary>
    public bool IsReadOnly { get; }

    internal RbdImageHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _handle;
        }
    }

    private string Subject => Snapshot is null ? $"image '{PoolName}/{Name}'" : $"image '{PoolName}/{Name}@{Snapshot}'";

    /// <summary>
    /// Opens an image (<c>rbd_open</c> / <c>rbd_open_read_only</c>). The call blocks for a few round
    /// trips to the cluster.
    /// </summary>
    /// <param name="ioContext">The pool the image lives in.</param>
    /// <param name="name">The image name.</param>
    /// <param name="snapshot">A snapshot to open instead of the head; snapshots are always read-only.</param>
    /// <param name="readOnly">Open without taking a watch or the exclusive lock; writes then fail.</param>
    /// <exception cref="RbdNotFoundException">The image or snapshot does not exist.</exception>
    public static RbdImage Open(IoContext ioContext, string name, string? snapshot = null, bool readOnly = false)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        RadosIoCtxHandle io = ioContext.Handle;
        readOnly |= snapshot is not null;
        string subject = $"image '{ioContext.PoolName}/{name}{(snapshot is null ? "" : "@" + snapshot)}'";

        RbdImageHandle image = NativeHandle.CreateChild(
            io,
            () => readOnly
                ? (LibRbd.rbd_open_read_only(io, name, out RbdImageHandle opened, snapshot), opened)
                : (LibRbd.rbd_open(io, name, out opened, snapshot), opened),
            readOnly ? "rbd_open_read_only" : "rbd_open",
            subject);
        return new RbdImage(image, ioContext.PoolName, name, snapshot, readOnly);
    }

    /// <summary>Size, object size and object count (<c>rbd_stat</c>).</summary>
    public unsafe RbdImageInfo Stat()
    {
        LibRbd.rbd_image_info_t info;
        RbdError.ThrowIfFailed(LibRbd.rbd_stat(Handle, &info, (nuint)sizeof(LibRbd.rbd_image_info_t)), "rbd_stat", Subject);
        return new RbdImageInfo(info.size, info.obj_size, info.num_objs, info.order);
    }

    /// <summary>The image size in bytes (at the snapshot, if opened at one).</summary>
    public unsafe ulong GetSize()
    {
        ulong size;
        RbdError.ThrowIfFailed(LibRbd.rbd_get_size(Handle, &size), "rbd_get_size", Subject);
        return size;
    }

    /// <summary>The image id, which stays the same across renames and is how the trash names images.</summary>
    public unsafe string GetId()
    {
        byte* id = stackalloc byte[128];
        RbdError.ThrowIfFailed(LibRbd.rbd_get_id(Handle, id, 128), "rbd_get_id", Subject);
        return NativeString.Read(id);
    }

    /// <summary>
    /// Where the image keeps its data in RADOS: the object name prefix, object size, striping and data pool
    /// (<c>rbd_get_block_name_prefix</c>, <c>rbd_get_stripe_unit</c>, <c>rbd_get_stripe_count</c>,
    /// <c>rbd_get_data_pool_id</c>). With it, a caller can address the backing objects directly, for example
    /// to have the OSDs hash them with <see cref="IoContext.ChecksumXxHash64Async"/>.
    /// </summary>
    public unsafe RbdDataLayout GetDataLayout()
    {
        RbdImageHandle handle = Handle;
        byte* prefix = stackalloc byte[128];
        ulong stripeUnit, stripeCount;
        RbdError.ThrowIfFailed(LibRbd.rbd_get_block_name_prefix(handle, prefix, 128), "rbd_get_block_name_prefix", Subject);
        RbdError.ThrowIfFailed(LibRbd.rbd_get_stripe_unit(handle, &stripeUnit), "rbd_get_stripe_unit", Subject);
        RbdError.ThrowIfFailed(LibRbd.rbd_get_stripe_count(handle, &stripeCount), "rbd_get_stripe_count", Subject);
        long dataPool = RbdError.ThrowIfFailed(LibRbd.rbd_get_data_pool_id(handle), "rbd_get_data_pool_id", Subject);
        return new RbdDataLayout(NativeString.Read(prefix), Stat().ObjectSize, stripeUnit, stripeCount, dataPool);
    }

    /// <summary>The enabled features.</summary>
    public unsafe RbdFeatures GetFeatures()
    {
        ulong features;
        RbdError.ThrowIfFailed(LibRbd.rbd_get_features(Handle, &features), "rbd_get_features", Subject);
        return (RbdFeatures)features;
    }

    /// <summary>
    /// Enables or disables <paramref name="features"/> (<c>rbd_update_features</c>); the image must be open for writing.
    /// librbd orders dependent features itself (fast-diff before object-map before exclusive-lock when disabling).
    /// </summary>
    /// <exception cref="RbdException">EINVAL: a feature that cannot be changed after creation (layering, striping, data
    /// pool), or one whose dependency is missing.</exception>
    public void UpdateFeatures(RbdFeatures features, bool enabled) =>
        RbdError.ThrowIfFailed(LibRbd.rbd_update_features(Handle, (ulong)features, enabled ? (byte)1 : (byte)0), "rbd_update_features", Subject);

    /// <summary>
    /// The flags (<c>rbd_get_flags</c>) of the image or the snapshot it was opened at, or of one of its snapshots: for a
    /// snapshot, the handle looks at it (<c>rbd_snap_set</c>) and at what it looked at before again after, so no second
    /// handle is opened.
    /// </summary>
    /// <param name="snapshot">A snapshot of an image opened at its head; null for what the handle was opened at.</param>
    public unsafe RbdImageFlags GetFlags(string? snapshot = null)
    {
        ulong flags;
        if (snapshot is null)
        {
            RbdError.ThrowIfFailed(LibRbd.rbd_get_flags(Handle, &flags), "rbd_get_flags", Subject);
            return (RbdImageFlags)flags;
        }
        string subject = $"image '{PoolName}/{Name}@{snapshot}'";
        RbdError.ThrowIfFailed(LibRbd.rbd_snap_set(Handle, snapshot), "rbd_snap_set", subject);
        try
        {
            RbdError.ThrowIfFailed(LibRbd.rbd_get_flags(Handle, &flags), "rbd_get_flags", subject);
            return (RbdImageFlags)flags;
        }
        finally
        {
            RbdError.ThrowIfFailed(LibRbd.rbd_snap_set(Handle, Snapshot), "rbd_snap_set", Subject);
        }
    }

    /// <summary>
    /// Rebuilds the object map of the image, or of one of its snapshots (<c>rbd_rebuild_object_map</c>), from the objects
    /// that exist, and clears <see cref="RbdImageFlags.ObjectMapInvalid"/> and <see cref="RbdImageFlags.FastDiffInvalid"/>.
    /// Needed after object-map is enabled on an existing image: librbd flags the head's map and each snapshot's invalid
    /// until they are rebuilt. The image must be open for writing at its head; for a snapshot, the handle looks at it
    /// (<c>rbd_snap_set</c>) during the rebuild and at the head again after. Runs on a dedicated thread; cancelling stops
    /// it, leaving that map invalid.
    /// </summary>
    /// <param name="snapshot">The snapshot whose map to rebuild; null for the head's.</param>
    /// <param name="progress">Receives whole-percent steps from 0 to 100, on a librbd thread.</param>
    /// <param name="cancellationToken">Stops the rebuild.</param>
    public unsafe Task RebuildObjectMapAsync(string? snapshot = null, IProgress<RbdProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        RbdImageHandle handle = Handle;
        string subject = snapshot is null ? Subject : $"image '{PoolName}/{Name}@{snapshot}'";
        if (snapshot is null)
            return LongOperation.RunAsync("rbd_rebuild_object_map", subject, progress, cancellationToken,
                arg => LibRbd.rbd_rebuild_object_map(handle, LongOperation.Callback, arg));
        return LongOperation.RunAsync("rbd_rebuild_object_map", subject, progress, cancellationToken, arg =>
        {
            RbdError.ThrowIfFailed(LibRbd.rbd_snap_set(handle, snapshot), "rbd_snap_set", subject);
            try
            {
                return LibRbd.rbd_rebuild_object_map(handle, LongOperation.Callback, arg);
            }
            finally
            {
                RbdError.ThrowIfFailed(LibRbd.rbd_snap_set(handle, Snapshot), "rbd_snap_set", Subject);
            }
        });
    }

    /// <summary>
    /// Changes the image size (<c>rbd_resize2</c>). Shrinking discards the data past the new end.
    /// Blocks until done; shrinking a large image deletes many objects.
    /// </summary>
    /// <param name="size">The new size in bytes.</param>
    /// <param name="allowShrink">When false, a size below the current one fails with EINVAL instead of shrinking.</param>
    public unsafe void Resize(ulong size, bool allowShrink = true)
    {
        RbdImageHandle handle = Handle;
        LongOperation.Run(
            "rbd_resize2", Subject, progress: null, CancellationToken.None,
            arg => LibRbd.rbd_resize2(handle, size, allowShrink, LongOperation.Callback, arg));
    }

    /// <summary>
    /// Takes the image's exclusive lock and keeps it until the image is closed (<c>rbd_lock_acquire</c>). Unlike
    /// the lock librbd takes by itself for a write, which it hands over when another client asks for it, a lock
    /// taken this way is refused to every other client until this image is closed: their writes and their own
    /// attempts to take it fail with EROFS. Maintenance they ask for (resize, snapshots) is not refused but carried
    /// out by this client on their behalf, as librbd does for any lock owner. Use it to finish a destructive
    /// operation, such as trimming an image about to be removed, without another client taking the lock away
    /// half-way. Taking it again while holding it does nothing.
    /// </summary>
    /// <exception cref="RbdBusyException">Another client holds the lock (librbd's EROFS).</exception>
    /// <exception cref="RbdException">The image lacks the exclusive-lock feature (EINVAL).</exception>
    public void AcquireExclusiveLock() =>
        RbdError.ThrowIfFailed(LibRbd.rbd_lock_acquire(Handle, LibRbd.RBD_LOCK_MODE_EXCLUSIVE), "rbd_lock_acquire", Subject);

    /// <summary>
    /// Lists the clients watching the image (<c>rbd_watchers_list</c>); a client that has the image
    /// open read-write holds a watch, so this shows who is using it.
    /// </summary>
    public unsafe IReadOnlyList<RbdWatcher> ListWatchers()
    {
        RbdImageHandle handle = Handle;
        nuint capacity = 8;
        while (true)
        {
            var buffer = new LibRbd.rbd_image_watcher_t[(int)capacity];
            nuint count = capacity;
            fixed (LibRbd.rbd_image_watcher_t* watchers = buffer)
            {
                int rc = LibRbd.rbd_watchers_list(handle, watchers, &count);
                if (rc == -Errno.ERANGE)
                {
                    capacity = Math.Max(count, capacity * 2);
                    continue;
                }

                RbdError.ThrowIfFailed(rc, "rbd_watchers_list", Subject);
                try
                {
                    var result = new List<RbdWatcher>((int)count);
                    for (int i = 0; i < (int)count; i++)
                    {
                        result.Add(new RbdWatcher(NativeString.Read(watchers[i].addr), watchers[i].id, watchers[i].cookie));
                    }

                    return result;
                }
                finally
                {
                    LibRbd.rbd_watchers_list_cleanup(watchers, count);
                }
            }
        }
    }

    /// <summary>
    /// Closes the image (<c>rbd_close</c>: flushes, releases the lock and watch). Requests still in
    /// flight complete first; the native close happens when the last of them finishes.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _handle.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Snapshot is null ? $"{PoolName}/{Name}" : $"{PoolName}/{Name}@{Snapshot}";
}
