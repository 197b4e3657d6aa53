using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRbd
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct rbd_snap_info_t
    {
        public ulong id;
        public ulong size;
        public byte* name;
    }

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_set(RbdImageHandle image, string? snapname);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_create(RbdImageHandle image, string snapname);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_snap_list(RbdImageHandle image, rbd_snap_info_t* snaps, int* max_snaps);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_snap_list_end(rbd_snap_info_t* snaps);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_exists(RbdImageHandle image, string snapname, byte* exists);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_rename(RbdImageHandle image, string srcname, string dstname);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_remove(RbdImageHandle image, string snapname);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_rollback_with_progress(
        RbdImageHandle image, string snapname, delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_protect(RbdImageHandle image, string snap_name);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_unprotect(RbdImageHandle image, string snap_name);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_snap_is_protected(RbdImageHandle image, string snap_name, int* is_protected);
}
