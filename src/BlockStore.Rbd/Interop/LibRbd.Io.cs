using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRbd
{
    [LibraryImport(Libraries.Rbd)]
    internal static partial nint rbd_read2(RbdImageHandle image, ulong ofs, nuint len, byte* buf, int op_flags);

    [LibraryImport(Libraries.Rbd)]
    internal static partial nint rbd_write2(RbdImageHandle image, ulong ofs, nuint len, byte* buf, int op_flags);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_discard(RbdImageHandle image, ulong ofs, ulong len);

    [LibraryImport(Libraries.Rbd)]
    internal static partial nint rbd_write_zeroes(RbdImageHandle image, ulong ofs, nuint len, int zero_flags, int op_flags);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_flush(RbdImageHandle image);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_aio_create_completion(
        IntPtr cb_arg, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> complete_cb, out RbdCompletionHandle c);

    [LibraryImport(Libraries.Rbd)]
    internal static partial nint rbd_aio_get_return_value(RbdCompletionHandle c);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_aio_release(IntPtr c);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_aio_read2(RbdImageHandle image, ulong off, nuint len, byte* buf, RbdCompletionHandle c, int op_flags);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_aio_write2(RbdImageHandle image, ulong off, nuint len, byte* buf, RbdCompletionHandle c, int op_flags);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_aio_discard(RbdImageHandle image, ulong off, ulong len, RbdCompletionHandle c);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_aio_write_zeroes(RbdImageHandle image, ulong off, nuint len, RbdCompletionHandle c, int zero_flags, int op_flags);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_aio_flush(RbdImageHandle image, RbdCompletionHandle c);
}
