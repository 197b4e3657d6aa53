using System.Buffers;
using System.Runtime.InteropServices;

namespace BlockStore.Storage.Interop;

/// <summary>
/// A transfer buffer in its own anonymous mapping (<c>mmap</c>), page-aligned and outside the GC heap. It goes
/// back to the kernel the moment it is disposed: the megabytes a copy keeps in flight are held while it runs
/// and not after, neither by a pool nor by malloc's arenas nor by the large object heap.
/// </summary>
/// <remarks>Dispose only once no I/O on the memory is in flight.</remarks>
internal sealed unsafe class MappedBuffer : MemoryManager<byte>
{
    private readonly int _length;
    private IntPtr _address;

    public MappedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        IntPtr address = Libc.mmap(IntPtr.Zero, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (address == Libc.MAP_FAILED)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new OutOfMemoryException($"mmap of a {length}-byte buffer failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }

        _address = address;
        _length = length;
    }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_address == IntPtr.Zero, this);
        return new Span<byte>((void*)_address, _length);
    }

    /// <summary>The memory never moves, so pinning only hands out its address.</summary>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_address == IntPtr.Zero, this);
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle((byte*)_address + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        IntPtr address = Interlocked.Exchange(ref _address, IntPtr.Zero);
        if (address != IntPtr.Zero)
        {
            Libc.munmap(address, (nuint)_length);
        }
    }
}
