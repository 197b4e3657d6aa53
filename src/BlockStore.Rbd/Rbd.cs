using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

/// <summary>
/// Pool-level image operations: create, remove, rename, list, clone, trash and live migration.
/// </summary>
/// <remarks>
/// <b>Threading:</b> every method is safe to call concurrently. Methods without an <c>Async</c>
/// suffix block the calling thread for a few round trips to the cluster; the <c>Async</c> ones
/// wrap operations that can take minutes (they touch every object of an image) and run them on a
/// dedicated thread, reporting progress and accepting cancellation.
/// </remarks>
public static partial class Rbd
{
    /// <summary>Creates an image (<c>rbd_create4</c>).</summary>
    /// <param name="ioContext">The pool.</param>
    /// <param name="name">The image name.</param>
    /// <param name="size">Size in bytes.</param>
    /// <param name="options">Features, order, striping; null for the cluster defaults.</param>
    /// <exception cref="RbdExistsException">An image of that name exists.</exception>
    public static void Create(IoContext ioContext, string name, ulong size, RbdImageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        using RbdImageOptionsHandle opts = RbdImageOptions.ToNative(options);
        RbdError.ThrowIfFailed(LibRbd.rbd_create4(ioContext.Handle, name, size, opts), "rbd_create4", Subject(ioContext, name));
    }

    /// <summary>Removes an image and its data (<c>rbd_remove_with_progress</c>), blocking until done.</summary>
    /// <exception cref="RbdNotFoundException">No such image.</exception>
    /// <exception cref="RbdInUseException">The image has snapshots.</exception>
    /// <exception cref="RbdBusyException">The image is open elsewhere (it has watchers).</exception>
    public static unsafe void Remove(IoContext ioContext, string name)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        RadosIoCtxHandle io = ioContext.Handle;
        LongOperation.Run(
            "rbd_remove_with_progress", Subject(ioContext, name), progress: null, CancellationToken.None,
            arg => LibRbd.rbd_remove_with_progress(io, name, LongOperation.Callback, arg));
    }

    /// <summary>
    /// Removes an image on a dedicated thread, reporting progress (<c>rbd_remove_with_progress</c>).
    /// Without an object map librbd deletes every object the size spans, which takes a while for
    /// large images. Cancelling stops the deletion and leaves the image partly deleted.
    /// </summary>
    public static unsafe Task RemoveAsync(IoContext ioContext, string name, IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        RadosIoCtxHandle io = ioContext.Handle;
        return LongOperation.RunAsync(
            "rbd_remove_with_progress", Subject(ioContext, name), progress, cancellationToken,
            arg => LibRbd.rbd_remove_with_progress(io, name, LongOperation.Callback, arg));
    }

    /// <summary>Renames an image within its pool (<c>rbd_rename</c>).</summary>
    public static void Rename(IoContext ioContext, string name, string newName)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(newName);
        RbdError.ThrowIfFailed(LibRbd.rbd_rename(ioContext.Handle, name, newName), "rbd_rename", Subject(ioContext, name));
    }

    /// <summary>Lists the images of a pool (<c>rbd_list2</c>).</summary>
    public static unsafe IReadOnlyList<RbdImageSpec> List(IoContext ioContext)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        RadosIoCtxHandle io = ioContext.Handle;
        nuint capacity = 64;
        while (true)
        {
            var buffer = new LibRbd.rbd_image_spec_t[(int)capacity];
            nuint count = capacity;
            fixed (LibRbd.rbd_image_spec_t* images = buffer)
            {
                int rc = LibRbd.rbd_list2(io, images, &count);
                if (rc == -Errno.ERANGE)
                {
                    capacity = Math.Max(count, capacity * 2);
                    continue;
                }

                RbdError.ThrowIfFailed(rc, "rbd_list2", $"pool '{ioContext.PoolName}'");
                try
                {
                    var result = new List<RbdImageSpec>((int)count);
                    for (int i = 0; i < (int)count; i++)
                    {
                        result.Add(new RbdImageSpec(NativeString.Read(images[i].id), NativeString.Read(images[i].name)));
                    }

                    return result;
                }
                finally
                {
                    LibRbd.rbd_image_spec_list_cleanup(images, count);
                }
            }
        }
    }

    /// <summary>
    /// Clones a snapshot into a new image (<c>rbd_clone3</c>), possibly in another pool. With clone
    /// format 1 (the default unless the cluster requires mimic clients) the snapshot must be protected.
    /// </summary>
    /// <param name="parentIoContext">The parent's pool.</param>
    /// <param name="parentName">The parent image.</param>
    /// <param name="parentSnapshot">The parent snapshot.</param>
    /// <param name="childIoContext">The clone's pool.</param>
    /// <param name="childName">The clone's name.</param>
    /// <param name="options">Options of the clone; null for the defaults.</param>
    /// <exception cref="RbdExistsException">The clone's name is taken.</exception>
    /// <exception cref="RbdNotFoundException">The parent or its snapshot does not exist.</exception>
    public static void Clone(
        IoContext parentIoContext,
        string parentName,
        string parentSnapshot,
        IoContext childIoContext,
        string childName,
        RbdImageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parentIoContext);
        ArgumentNullException.ThrowIfNull(childIoContext);
        ArgumentException.ThrowIfNullOrEmpty(parentName);
        ArgumentException.ThrowIfNullOrEmpty(parentSnapshot);
        ArgumentException.ThrowIfNullOrEmpty(childName);
        using RbdImageOptionsHandle opts = RbdImageOptions.ToNative(options);
        RbdError.ThrowIfFailed(
            LibRbd.rbd_clone3(parentIoContext.Handle, parentName, parentSnapshot, childIoContext.Handle, childName, opts),
            "rbd_clone3",
            $"'{parentIoContext.PoolName}/{parentName}@{parentSnapshot}' -> '{childIoContext.PoolName}/{childName}'");
    }

    private static string Subject(IoContext ioContext, string name) => $"image '{ioContext.PoolName}/{name}'";
}
