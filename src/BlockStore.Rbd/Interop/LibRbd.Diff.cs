using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRbd
{
    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_diff_iterate2(
        RbdImageHandle image, string? fromsnapname, ulong ofs, ulong len, byte include_parent, byte whole_object,
        delegate* unmanaged[Cdecl]<ulong, nuint, int, IntPtr, int> cb, IntPtr arg);
}
