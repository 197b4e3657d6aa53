using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

public sealed partial class RbdImage
{
    // rbd_discard takes a uint64 but refuses lengths above INT_MAX.
    private const ulong MaxSyncDiscard = 1UL << 30;

    /// <summary>Reads into <paramref name="buffer"/> from <paramref name="offset"/>, blocking the thread (<c>rbd_read2</c>).</summary>
    /// <returns>The number of bytes read; fewer than requested only at the end of the image.</returns>
    public unsafe int Read(ulong offset, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return (int)RbdError.ThrowIfFailed((long)LibRbd.rbd_read2(Handle, offset, (nuint)buffer.Length, p, 0), "rbd_read2", Subject);
        }
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>, blocking the thread (<c>rbd_write2</c>).</summary>
    public unsafe void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            RbdError.ThrowIfFailed((long)LibRbd.rbd_write2(Handle, offset, (nuint)data.Length, p, 0), "rbd_write2", Subject);
        }
    }

    /// <summary>
    /// Deallocates a range (<c>rbd_discard</c>). A hint: librbd skips discards smaller than its
    /// discard granularity, so only whole discarded objects are sure to read as zeros afterwards;
    /// use <see cref="WriteZeroes"/> to zero a range.
    /// </summary>
    public void Discard(ulong offset, ulong length)
    {
        RbdImageHandle handle = Handle;
        while (length > 0)
        {
            ulong chunk = Math.Min(length, MaxSyncDiscard);
            RbdError.ThrowIfFailed(LibRbd.rbd_discard(handle, offset, chunk), "rbd_discard", Subject);
            offset += chunk;
            length -= chunk;
        }
    }

    /// <summary>Zeroes a range (<c>rbd_write_zeroes</c>), deallocating whole objects where it can.</summary>
    public void WriteZeroes(ulong offset, ulong length) =>
        RbdError.ThrowIfFailed((long)LibRbd.rbd_write_zeroes(Handle, offset, (nuint)length, 0, 0), "rbd_write_zeroes", Subject);

    /// <summary>Waits until every completed write is persistent (<c>rbd_flush</c>).</summary>
    public void Flush() => RbdError.ThrowIfFailed(LibRbd.rbd_flush(Handle), "rbd_flush", Subject);

    /// <summary>
    /// Reads asynchronously (<c>rbd_aio_read2</c>). No thread waits: the task completes from librbd's
    /// completion callback, and <paramref name="buffer"/> stays pinned until then.
    /// </summary>
    /// <param name="offset">Where to read from, in bytes.</param>
    /// <param name="buffer">Where to put the data; must not be touched until the task completes.</param>
    /// <param name="cancellationToken">Checked before submitting; a submitted request cannot be cancelled.</param>
    /// <returns>The number of bytes read; fewer than requested only at the end of the image.</returns>
    public unsafe Task<int> ReadAsync(ulong offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<int>(cancellationToken);
        }

        RbdImageHandle handle = Handle;
        AioOperation op = AioOperation.Begin(handle, "rbd_aio_read2", buffer);
        Task<int> task = op.Task;
        op.Submitted(LibRbd.rbd_aio_read2(handle, offset, (nuint)buffer.Length, op.Buffer, op.Completion, 0));
        return task;
    }

    /// <summary>
    /// Writes asynchronously (<c>rbd_aio_write2</c>). The task completes from librbd's completion
    /// callback once the write is acknowledged; <paramref name="data"/> stays pinned until then.
    /// With <c>rbd_disable_zero_copy_writes=false</c> (and no write-back cache) librbd sends straight from
    /// this buffer instead of copying it, and holds the completion back until it has released it, so the
    /// task still marks the moment the buffer is free again.
    /// </summary>
    /// <param name="offset">Where to write, in bytes.</param>
    /// <param name="data">The data; must not be modified until the task completes.</param>
    /// <param name="cancellationToken">Checked before submitting; a submitted request cannot be cancelled.</param>
    public unsafe Task WriteAsync(ulong offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        RbdImageHandle handle = Handle;
        AioOperation op = AioOperation.Begin(handle, "rbd_aio_write2", data);
        Task task = op.Task;
        op.Submitted(LibRbd.rbd_aio_write2(handle, offset, (nuint)data.Length, op.Buffer, op.Completion, 0));
        return task;
    }

    /// <summary>Deallocates a range asynchronously (<c>rbd_aio_discard</c>); a hint, like <see cref="Discard"/>.</summary>
    /// <param name="offset">Start, in bytes.</param>
    /// <param name="length">Length, in bytes.</param>
    /// <param name="cancellationToken">Checked before submitting; a submitted request cannot be cancelled.</param>
    public Task DiscardAsync(ulong offset, ulong length, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        RbdImageHandle handle = Handle;
        AioOperation op = AioOperation.Begin(handle, "rbd_aio_discard");
        Task task = op.Task;
        op.Submitted(LibRbd.rbd_aio_discard(handle, offset, length, op.Completion));
        return task;
    }

    /// <summary>Zeroes a range asynchronously (<c>rbd_aio_write_zeroes</c>).</summary>
    /// <param name="offset">Start, in bytes.</param>
    /// <param name="length">Length, in bytes.</param>
    /// <param name="cancellationToken">Checked before submitting; a submitted request cannot be cancelled.</param>
    public Task WriteZeroesAsync(ulong offset, ulong length, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        RbdImageHandle handle = Handle;
        AioOperation op = AioOperation.Begin(handle, "rbd_aio_write_zeroes");
        Task task = op.Task;
        op.Submitted(LibRbd.rbd_aio_write_zeroes(handle, offset, (nuint)length, op.Completion, 0, 0));
        return task;
    }

    /// <summary>Completes once every write acknowledged before the call is persistent (<c>rbd_aio_flush</c>).</summary>
    /// <param name="cancellationToken">Checked before submitting; a submitted request cannot be cancelled.</param>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        RbdImageHandle handle = Handle;
        AioOperation op = AioOperation.Begin(handle, "rbd_aio_flush");
        Task task = op.Task;
        op.Submitted(LibRbd.rbd_aio_flush(handle, op.Completion));
        return task;
    }
}
