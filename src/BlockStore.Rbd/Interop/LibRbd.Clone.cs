using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRbd
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct rbd_linked_image_spec_t
    {
        public long pool_id;
        public byte* pool_name;
        public byte* pool_namespace;
        public byte* image_id;
        public byte* image_name;
        public byte trash; // C bool
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct rbd_snap_spec_t
    {
        public ulong id;
        public int namespace_type;
        public byte* name;
    }

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_clone3(
        RadosIoCtxHandle p_ioctx, string p_name, string p_snapname, RadosIoCtxHandle c_ioctx, string c_name, RbdImageOptionsHandle c_opts);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_get_parent(RbdImageHandle image, rbd_linked_image_spec_t* parent_image, rbd_snap_spec_t* parent_snap);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_linked_image_spec_cleanup(rbd_linked_image_spec_t* image);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_snap_spec_cleanup(rbd_snap_spec_t* snap);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_list_children3(RbdImageHandle image, rbd_linked_image_spec_t* images, nuint* max_images);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_linked_image_spec_list_cleanup(rbd_linked_image_spec_t* images, nuint num_images);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_flatten_with_progress(
        RbdImageHandle image, delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_deep_copy_with_progress(
        RbdImageHandle image, RadosIoCtxHandle dest_io_ctx, string destname, RbdImageOptionsHandle dest_opts,
        delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);
}
