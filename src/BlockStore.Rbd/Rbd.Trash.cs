using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

public static partial class Rbd
{
    /// <summary>
    /// Moves an image to the pool's trash (<c>rbd_trash_move</c>). It keeps its id and data, and can
    /// be restored until it is removed from the trash.
    /// </summary>
    /// <param name="ioContext">The pool.</param>
    /// <param name="name">The image.</param>
    /// <param name="deferment">Before this much time has passed, removing it from the trash needs force.</param>
    public static void TrashMove(IoContext ioContext, string name, TimeSpan deferment = default)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(deferment, TimeSpan.Zero);
        RbdError.ThrowIfFailed(
            LibRbd.rbd_trash_move(ioContext.Handle, name, (ulong)deferment.TotalSeconds), "rbd_trash_move", Subject(ioContext, name));
    }

    /// <summary>Lists the images in the pool's trash (<c>rbd_trash_list</c>).</summary>
    public static unsafe IReadOnlyList<RbdTrashEntry> TrashList(IoContext ioContext)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        RadosIoCtxHandle io = ioContext.Handle;
        nuint capacity = 16;
        while (true)
        {
            var buffer = new LibRbd.rbd_trash_image_info_t[(int)capacity];
            nuint count = capacity;
            fixed (LibRbd.rbd_trash_image_info_t* entries = buffer)
            {
                int rc = LibRbd.rbd_trash_list(io, entries, &count);
                if (rc == -Errno.ERANGE)
                {
                    capacity = Math.Max(count, capacity * 2);
                    continue;
                }

                RbdError.ThrowIfFailed(rc, "rbd_trash_list", $"pool '{ioContext.PoolName}'");
                try
                {
                    var result = new List<RbdTrashEntry>((int)count);
                    for (int i = 0; i < (int)count; i++)
                    {
                        result.Add(new RbdTrashEntry(
                            NativeString.Read(entries[i].id),
                            NativeString.Read(entries[i].name),
                            (RbdTrashSource)entries[i].source,
                            DateTimeOffset.FromUnixTimeSeconds(entries[i].deletion_time),
                            DateTimeOffset.FromUnixTimeSeconds(entries[i].deferment_end_time)));
                    }

                    return result;
                }
                finally
                {
                    LibRbd.rbd_trash_list_cleanup(entries, count);
                }
            }
        }
    }

    /// <summary>Restores an image from the trash (<c>rbd_trash_restore</c>).</summary>
    /// <param name="ioContext">The pool.</param>
    /// <param name="imageId">The trash entry's id.</param>
    /// <param name="name">The name to restore it under; empty keeps its old name.</param>
    public static void TrashRestore(IoContext ioContext, string imageId, string name = "")
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(imageId);
        ArgumentNullException.ThrowIfNull(name);
        RbdError.ThrowIfFailed(
            LibRbd.rbd_trash_restore(ioContext.Handle, imageId, name), "rbd_trash_restore", $"trash entry '{ioContext.PoolName}/{imageId}'");
    }

    /// <summary>
    /// Deletes an image from the trash for good (<c>rbd_trash_remove_with_progress</c>), on a
    /// dedicated thread.
    /// </summary>
    /// <param name="ioContext">The pool.</param>
    /// <param name="imageId">The trash entry's id.</param>
    /// <param name="force">Remove even before the deferment ends.</param>
    /// <param name="progress">Receives whole-percent steps, on a librbd thread.</param>
    /// <param name="cancellationToken">Stops the deletion, leaving the image partly deleted.</param>
    public static unsafe Task TrashRemoveAsync(
        IoContext ioContext, string imageId, bool force = false, IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(imageId);
        RadosIoCtxHandle io = ioContext.Handle;
        return LongOperation.RunAsync(
            "rbd_trash_remove_with_progress", $"trash entry '{ioContext.PoolName}/{imageId}'", progress, cancellationToken,
            arg => LibRbd.rbd_trash_remove_with_progress(io, imageId, force, LongOperation.Callback, arg));
    }
}
