using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRbd
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct rbd_trash_image_info_t
    {
        public byte* id;
        public byte* name;
        public int source;
        public long deletion_time;      // time_t
        public long deferment_end_time; // time_t
    }

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_trash_move(RadosIoCtxHandle io, string name, ulong delay);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_trash_list(RadosIoCtxHandle io, rbd_trash_image_info_t* trash_entries, nuint* num_entries);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_trash_list_cleanup(rbd_trash_image_info_t* trash_entries, nuint num_entries);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_trash_remove_with_progress(
        RadosIoCtxHandle io, string id, [MarshalAs(UnmanagedType.U1)] bool force,
        delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_trash_restore(RadosIoCtxHandle io, string id, string name);
}
