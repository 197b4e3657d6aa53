using System.Runtime.InteropServices;

namespace BlockStore.Storage.Tests.Support;

/// <summary>What the kernel holds of a file in its page cache (<c>mincore</c> over a mapping of it), and page-aligned buffers.</summary>
internal static class PageCache
{
    private const int PageSize = 4096;
    private const int ProtRead = 1, MapShared = 1;

    /// <summary>Bytes of <paramref name="path"/> resident in the page cache.</summary>
    public static long CachedBytes(string path)
    {
        using var file = File.OpenHandle(path);
        long size = RandomAccess.GetLength(file);
        if (size == 0) return 0;
        IntPtr map = mmap(IntPtr.Zero, (nuint)size, ProtRead, MapShared, (int)file.DangerousGetHandle(), 0);
        if (map == -1) throw new IOException($"mmap of '{path}' failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var pages = new byte[(size + PageSize - 1) / PageSize];
            if (mincore(map, (nuint)size, pages) != 0) throw new IOException($"mincore failed: errno {Marshal.GetLastPInvokeError()}");
            return pages.Count(p => (p & 1) != 0) * (long)PageSize;
        }
        finally
        {
            _ = munmap(map, (nuint)size);
        }
    }

    /// <summary>A buffer whose first byte sits on a page boundary, in memory that never moves.</summary>
    public static Memory<byte> AlignedBuffer(int length)
    {
        byte[] array = GC.AllocateArray<byte>(length + PageSize, pinned: true);
        int skip = (int)((PageSize - (Marshal.UnsafeAddrOfPinnedArrayElement(array, 0) % PageSize)) % PageSize);
        return array.AsMemory(skip, length);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(IntPtr addr, nuint length);

    [DllImport("libc", SetLastError = true)]
    private static extern int mincore(IntPtr addr, nuint length, byte[] vec);
}
