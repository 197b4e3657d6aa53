using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

public sealed partial class RbdImage
{
    /// <summary>The parent of a clone (<c>rbd_get_parent</c>), or null when the image has none.</summary>
    public unsafe RbdParentInfo? GetParent()
    {
        LibRbd.rbd_linked_image_spec_t image;
        LibRbd.rbd_snap_spec_t snap;
        int rc = LibRbd.rbd_get_parent(Handle, &image, &snap);
        if (rc == -Errno.ENOENT)
        {
            return null;
        }

        RbdError.ThrowIfFailed(rc, "rbd_get_parent", Subject);
        try
        {
            return new RbdParentInfo(ToLinkedImage(image), snap.id, NativeString.Read(snap.name));
        }
        finally
        {
            LibRbd.rbd_linked_image_spec_cleanup(&image);
            LibRbd.rbd_snap_spec_cleanup(&snap);
        }
    }

    /// <summary>
    /// Lists the clones (<c>rbd_list_children3</c>): of the snapshot the image is open at, or of all
    /// its snapshots when open at the head. Clones in pools the client cannot read are not listed.
    /// </summary>
    public unsafe IReadOnlyList<RbdLinkedImage> ListChildren()
    {
        RbdImageHandle handle = Handle;
        nuint capacity = 8;
        while (true)
        {
            var buffer = new LibRbd.rbd_linked_image_spec_t[(int)capacity];
            nuint count = capacity;
            fixed (LibRbd.rbd_linked_image_spec_t* images = buffer)
            {
                int rc = LibRbd.rbd_list_children3(handle, images, &count);
                if (rc == -Errno.ERANGE)
                {
                    capacity = Math.Max(count, capacity * 2);
                    continue;
                }

                RbdError.ThrowIfFailed(rc, "rbd_list_children3", Subject);
                try
                {
                    var result = new List<RbdLinkedImage>((int)count);
                    for (int i = 0; i < (int)count; i++)
                    {
                        result.Add(ToLinkedImage(images[i]));
                    }

                    return result;
                }
                finally
                {
                    LibRbd.rbd_linked_image_spec_list_cleanup(images, count);
                }
            }
        }
    }

    /// <summary>
    /// Copies the parent's data into this clone and detaches it (<c>rbd_flatten_with_progress</c>).
    /// Runs on a dedicated thread. Cancelling makes the progress callback return an error, so
    /// librbd stops issuing objects; the task then ends as cancelled and the clone keeps its parent
    /// (objects already copied stay copied, and a later flatten continues).
    /// </summary>
    /// <param name="progress">Receives whole-percent steps from 0 to 100, on a librbd thread.</param>
    /// <param name="cancellationToken">Stops the flatten.</param>
    public unsafe Task FlattenAsync(IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RbdImageHandle handle = Handle;
        return LongOperation.RunAsync(
            "rbd_flatten_with_progress", Subject, progress, cancellationToken,
            arg => LibRbd.rbd_flatten_with_progress(handle, LongOperation.Callback, arg));
    }

    /// <summary>
    /// Copies the image with its snapshots to a new image (<c>rbd_deep_copy_with_progress</c>),
    /// possibly in another pool. A copy of a clone keeps the parent link unless
    /// <see cref="RbdImageOptions.Flatten"/> is set. Runs on a dedicated thread; cancellation is
    /// passed to librbd through the progress callback and leaves a partial destination image behind.
    /// </summary>
    /// <param name="destination">The pool of the copy.</param>
    /// <param name="destinationName">The name of the copy.</param>
    /// <param name="options">Options of the copy; unset values are taken from the source.</param>
    /// <param name="progress">Receives whole-percent steps, on a librbd thread.</param>
    /// <param name="cancellationToken">Asks librbd to stop.</param>
    public unsafe Task DeepCopyAsync(
        IoContext destination,
        string destinationName,
        RbdImageOptions? options = null,
        IProgress<RbdProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentException.ThrowIfNullOrEmpty(destinationName);
        RbdImageHandle handle = Handle;
        RadosIoCtxHandle destIo = destination.Handle;
        return LongOperation.RunAsync(
            "rbd_deep_copy_with_progress", $"{Subject} -> '{destination.PoolName}/{destinationName}'", progress, cancellationToken,
            arg =>
            {
                using RbdImageOptionsHandle opts = RbdImageOptions.ToNative(options);
                return LibRbd.rbd_deep_copy_with_progress(handle, destIo, destinationName, opts, LongOperation.Callback, arg);
            });
    }

    /// <summary>
    /// Reports the allocated extents of the image (<c>rbd_diff_iterate2</c>), or the extents changed
    /// since <see cref="RbdDiffOptions.FromSnapshot"/>. The range is walked in chunks, each a
    /// blocking native call on a dedicated thread, so memory stays bounded for large images.
    /// </summary>
    /// <remarks>
    /// Extents are as precise as librbd makes them: without <see cref="RbdDiffOptions.FromSnapshot"/>
    /// an object's data is reported from the object's start to its highest written byte; against a
    /// snapshot, changed ranges are exact; with <see cref="RbdDiffOptions.WholeObject"/> and
    /// fast-diff, whole objects are reported. Extents come in offset order.
    /// </remarks>
    /// <param name="options">What to report; null for every allocated extent of the whole image.</param>
    /// <param name="cancellationToken">Stops the walk, also in the middle of a chunk.</param>
    public async IAsyncEnumerable<RbdExtent> DiffIterateAsync(
        RbdDiffOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new RbdDiffOptions();
        ulong size = GetSize();
        ulong start = Math.Min(options.Offset, size);
        ulong end = options.Length is { } length ? Math.Min(size, start + length) : size;
        ulong chunk = Math.Max(Stat().ObjectSize, 1) * 4096;

        for (ulong offset = start; offset < end; offset += chunk)
        {
            ulong len = Math.Min(chunk, end - offset);
            List<RbdExtent> extents = await Task.Factory.StartNew(
                () => DiffChunk(options, offset, len, cancellationToken),
                cancellationToken,
                TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
                TaskScheduler.Default).ConfigureAwait(false);

            foreach (RbdExtent extent in extents)
            {
                yield return extent;
            }
        }
    }

    private unsafe List<RbdExtent> DiffChunk(RbdDiffOptions options, ulong offset, ulong length, CancellationToken cancellationToken)
    {
        var state = new DiffState(cancellationToken);
        GCHandle gch = GCHandle.Alloc(state);
        try
        {
            int rc = LibRbd.rbd_diff_iterate2(
                Handle, options.FromSnapshot, offset, length,
                options.IncludeParent ? (byte)1 : (byte)0, options.WholeObject ? (byte)1 : (byte)0,
                &OnDiffExtent, GCHandle.ToIntPtr(gch));
            RbdError.ThrowIfFailed(rc, "rbd_diff_iterate2", Subject, cancellationToken);
            state.Extents.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
            return state.Extents;
        }
        finally
        {
            gch.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnDiffExtent(ulong offset, nuint length, int exists, IntPtr arg)
    {
        NativeCallback.Enter();
        try
        {
            var state = (DiffState)GCHandle.FromIntPtr(arg).Target!;
            if (state.CancellationToken.IsCancellationRequested)
            {
                return -Errno.ECANCELED;
            }

            // librbd may call back from its own threads; keep the list consistent.
            lock (state.Extents)
            {
                state.Extents.Add(new RbdExtent(offset, length, exists != 0));
            }

            return 0;
        }
        catch (Exception)
        {
            return -Errno.ECANCELED;
        }
        finally
        {
            NativeCallback.Exit();
        }
    }

    private static unsafe RbdLinkedImage ToLinkedImage(in LibRbd.rbd_linked_image_spec_t spec) => new(
        spec.pool_id,
        NativeString.Read(spec.pool_name),
        NativeString.Read(spec.pool_namespace),
        NativeString.Read(spec.image_id),
        NativeString.Read(spec.image_name),
        spec.trash != 0);

    private sealed class DiffState(CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;

        public List<RbdExtent> Extents { get; } = [];
    }
}
