using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BlockStore.Storage.Interop;

/// <summary>The few libc calls the file backend needs that .NET does not expose.</summary>
internal static partial class Libc
{
    internal const int SEEK_DATA = 3;
    internal const int SEEK_HOLE = 4;

    internal const int FALLOC_FL_KEEP_SIZE = 0x01;
    internal const int FALLOC_FL_PUNCH_HOLE = 0x02;

    // O_DIRECTORY differs between x86_64 and arm64, so directories are opened with these alone.
    internal const int O_RDONLY = 0;
    internal const int O_RDWR = 2;
    internal const int O_CLOEXEC = 0x80000;

    /// <summary>O_DIRECT: 040000 on x86_64, 0200000 on arm64.</summary>
    internal static int O_DIRECT => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x10000 : 0x4000;

    internal const int EINTR = 4;
    internal const int ENXIO = 6;
    internal const int EINVAL = 22;
    internal const int EOPNOTSUPP = 95;

    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial long lseek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial int fallocate(SafeFileHandle fd, int mode, long offset, long len);

    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial int fsync(SafeFileHandle fd);

    internal const uint SYNC_FILE_RANGE_WRITE = 2;

    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial int sync_file_range(SafeFileHandle fd, long offset, long nbytes, uint flags);

    internal const int PROT_READ = 1, PROT_WRITE = 2;
    internal const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
    internal static readonly IntPtr MAP_FAILED = -1;

    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Libraries.Libc, SetLastError = true)]
    internal static partial int munmap(IntPtr addr, nuint length);

    [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SafeFileHandle open(string pathname, int flags);

    /// <summary>Turns the last errno into an <see cref="IOException"/> that names the call and the path.</summary>
    internal static IOException Error(string operation, string path)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{operation} failed on '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }
}
