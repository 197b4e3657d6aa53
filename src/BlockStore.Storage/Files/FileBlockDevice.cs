using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BlockStore.Storage.Interop;
using Microsoft.Win32.SafeHandles;

namespace BlockStore.Storage.Files;

/// <summary>
/// A sparse raw file seen as a block device: positional I/O through <see cref="RandomAccess"/>, data found
/// with <c>SEEK_DATA</c>/<c>SEEK_HOLE</c>, zeroes written as punched holes.
/// </summary>
/// <remarks>
/// Opened with direct I/O, the file also gets an <c>O_DIRECT</c> handle, and every transfer whose buffer address,
/// offset and length are multiples of <see cref="DirectAlignment"/> (a copy's chunks, in their page-aligned
/// buffers) goes through it: no copy through the page cache on the way in or out, and a read-back that comes from
/// the disk. Other transfers use the ordinary handle; Linux keeps the two coherent (a direct transfer first writes
/// back and drops the cached pages of its range).
/// </remarks>
public sealed class FileBlockDevice : IBlockDevice
{
    /// <summary>Transfers aligned to this (buffer address, offset and length) may go through <c>O_DIRECT</c>.</summary>
    public const int DirectAlignment = 4096;

    private readonly SafeFileHandle _handle;
    private readonly SafeFileHandle? _direct;
    private readonly string _path;
    private readonly bool _writable;

    private FileBlockDevice(SafeFileHandle handle, SafeFileHandle? direct, string path, bool writable)
    {
        _handle = handle;
        _direct = direct;
        _path = path;
        _writable = writable;
    }

    /// <summary>Opens an existing file. The device owns its handles and closes them on dispose.</summary>
    /// <param name="path">The file's path.</param>
    /// <param name="writable">Opens the file for writing as well as reading.</param>
    /// <param name="directIo">Sends aligned transfers through <c>O_DIRECT</c>, where the filesystem allows it.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static FileBlockDevice Open(string path, bool writable, bool directIo = false)
    {
        var handle = File.OpenHandle(
            path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);
        try
        {
            return new FileBlockDevice(handle, directIo ? OpenDirect(path, writable) : null, path, writable);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Whether aligned transfers go through <c>O_DIRECT</c> (false when not asked for, or the filesystem refused it).</summary>
    public bool UsesDirectIo => _direct is not null;

    /// <summary>The file opened again with <c>O_DIRECT</c>; null where the filesystem does not support it (tmpfs: EINVAL).</summary>
    private static SafeFileHandle? OpenDirect(string path, bool writable)
    {
        SafeFileHandle direct = Libc.open(path, (writable ? Libc.O_RDWR : Libc.O_RDONLY) | Libc.O_DIRECT | Libc.O_CLOEXEC);
        if (!direct.IsInvalid)
        {
            return direct;
        }

        var error = Libc.Error("open(O_DIRECT)", path);
        direct.Dispose();
        return error.HResult == Libc.EINVAL ? null : throw error;
    }

    /// <summary>The handle for one transfer: the direct one when the transfer is aligned for it.</summary>
    private unsafe SafeFileHandle HandleFor(long offset, ReadOnlyMemory<byte> buffer)
    {
        if (_direct is null || offset % DirectAlignment != 0 || buffer.Length % DirectAlignment != 0)
        {
            return _handle;
        }

        using MemoryHandle pinned = buffer.Pin();
        return (nuint)pinned.Pointer % DirectAlignment == 0 ? _direct : _handle;
    }

    /// <inheritdoc />
    /// <remarks>Read from the file each time, so a resize through the store is seen at once.</remarks>
    public long Size => RandomAccess.GetLength(_handle);

    /// <inheritdoc />
    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckRange(offset, buffer.Length);
        while (!buffer.IsEmpty)
        {
            int read = await RandomAccess.ReadAsync(HandleFor(offset, buffer), buffer, offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                // Only possible if the file was truncated behind our back.
                throw new EndOfStreamException($"'{_path}' ended at {offset} while reading inside its size.");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Once written through the page cache, the range's writeback is started (<c>sync_file_range</c>,
    /// <c>SYNC_FILE_RANGE_WRITE</c>): dirty pages do not pile up during a long copy, and <see cref="FlushAsync"/> at a
    /// checkpoint finds little left to do. It is only a start; durability still comes from the flush, which a
    /// direct write needs as well (for the device's cache and the file's metadata).
    /// </remarks>
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        CheckRange(offset, data.Length);
        SafeFileHandle handle = HandleFor(offset, data);
        await RandomAccess.WriteAsync(handle, data, offset, cancellationToken).ConfigureAwait(false);
        if (handle == _handle)
        {
            // A hint: a filesystem that cannot do it still gets every byte to disk at the flush.
            _ = Libc.sync_file_range(_handle, offset, data.Length, Libc.SYNC_FILE_RANGE_WRITE);
        }
    }

    /// <inheritdoc />
    /// <remarks>A punched hole: the blocks are freed and read back as zeroes; the size does not change.</remarks>
    public async ValueTask WriteZeroesAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        CheckRange(offset, length);
        cancellationToken.ThrowIfCancellationRequested();
        if (length == 0)
        {
            return;
        }

        int result;
        do
        {
            result = Libc.fallocate(_handle, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length);
        }
        while (result != 0 && Marshal.GetLastPInvokeError() == Libc.EINTR);

        if (result != 0)
        {
            if (Marshal.GetLastPInvokeError() != Libc.EOPNOTSUPP)
            {
                throw Libc.Error("fallocate(PUNCH_HOLE)", _path);
            }

            // A filesystem without hole punching still has to read zeroes back.
            await WriteZeroBytesAsync(offset, length, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>On a file, discarding punches a hole, so the range does read as zeroes.</remarks>
    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        WriteZeroesAsync(offset, length, cancellationToken);

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_writable)
        {
            RandomAccess.FlushToDisk(_handle);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Extent> GetAllocatedExtentsAsync(
        long from, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long size = Size;
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, size);

        long position = from;
        for (int count = 1; position < size; count++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Extent? next = NextExtent(position, size);
            if (next is not { } extent)
            {
                yield break;
            }

            yield return extent;
            position = extent.End;

            // lseek is a cheap syscall; yielding now and then keeps a walk over a badly fragmented file
            // from holding a thread.
            if (count % 256 == 0)
            {
                await Task.Yield();
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _direct?.Dispose();
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }

    private Extent? NextExtent(long position, long size)
    {
        long data = Libc.lseek(_handle, position, Libc.SEEK_DATA);
        if (data < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                Libc.ENXIO => null, // no data at or after position
                Libc.EINVAL => new Extent(position, size - position), // no SEEK_DATA here: all of it may be data
                _ => throw Libc.Error("lseek(SEEK_DATA)", _path),
            };
        }

        if (data >= size)
        {
            return null;
        }

        long hole = Libc.lseek(_handle, data, Libc.SEEK_HOLE);
        if (hole < 0)
        {
            throw Libc.Error("lseek(SEEK_HOLE)", _path);
        }

        return new Extent(data, Math.Min(hole, size) - data);
    }

    private async ValueTask WriteZeroBytesAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var zeroes = new byte[(int)Math.Min(length, 1 << 20)];
        for (long done = 0; done < length; done += zeroes.Length)
        {
            int count = (int)Math.Min(zeroes.Length, length - done);
            await RandomAccess.WriteAsync(_handle, zeroes.AsMemory(0, count), offset + done, cancellationToken).ConfigureAwait(false);
        }
    }

    private void CheckRange(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset > Size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"The range [{offset}, {offset + length}) is past the end of '{_path}' ({Size} bytes).");
        }
    }

    private void CheckWritable()
    {
        if (!_writable)
        {
            throw new InvalidOperationException($"'{_path}' was opened read-only.");
        }
    }
}
