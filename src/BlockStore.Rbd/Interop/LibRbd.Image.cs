using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRbd
{
    internal const int RBD_IMAGE_OPTION_FORMAT = 0;
    internal const int RBD_IMAGE_OPTION_FEATURES = 1;
    internal const int RBD_IMAGE_OPTION_ORDER = 2;
    internal const int RBD_IMAGE_OPTION_STRIPE_UNIT = 3;
    internal const int RBD_IMAGE_OPTION_STRIPE_COUNT = 4;
    internal const int RBD_IMAGE_OPTION_DATA_POOL = 10;
    internal const int RBD_IMAGE_OPTION_FLATTEN = 11;
    internal const int RBD_IMAGE_OPTION_CLONE_FORMAT = 12;

    internal const int RBD_LOCK_MODE_EXCLUSIVE = 0;

    [StructLayout(LayoutKind.Sequential)]
    internal struct rbd_image_spec_t
    {
        public byte* id;
        public byte* name;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct rbd_image_info_t
    {
        public ulong size;
        public ulong obj_size;
        public ulong num_objs;
        public int order;
        public fixed byte block_name_prefix[24];
        public long parent_pool;
        public fixed byte parent_name[96];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct rbd_image_watcher_t
    {
        public byte* addr;
        public long id;
        public ulong cookie;
    }

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_image_options_create(out RbdImageOptionsHandle opts);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_image_options_destroy(IntPtr opts);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_image_options_set_string(RbdImageOptionsHandle opts, int optname, string optval);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_image_options_set_uint64(RbdImageOptionsHandle opts, int optname, ulong optval);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_list2(RadosIoCtxHandle io, rbd_image_spec_t* images, nuint* max_images);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_image_spec_list_cleanup(rbd_image_spec_t* images, nuint num_images);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_create4(RadosIoCtxHandle io, string name, ulong size, RbdImageOptionsHandle opts);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_remove_with_progress(
        RadosIoCtxHandle io, string name, delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_rename(RadosIoCtxHandle src_io_ctx, string srcname, string destname);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_open(RadosIoCtxHandle io, string name, out RbdImageHandle image, string? snap_name);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_open_read_only(RadosIoCtxHandle io, string name, out RbdImageHandle image, string? snap_name);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_close(IntPtr image);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_resize2(
        RbdImageHandle image, ulong size, [MarshalAs(UnmanagedType.U1)] bool allow_shrink,
        delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_stat(RbdImageHandle image, rbd_image_info_t* info, nuint infosize);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_get_size(RbdImageHandle image, ulong* size);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_get_features(RbdImageHandle image, ulong* features);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_update_features(RbdImageHandle image, ulong features, byte enabled);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_get_flags(RbdImageHandle image, ulong* flags);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_rebuild_object_map(
        RbdImageHandle image, delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_get_id(RbdImageHandle image, byte* id, nuint id_len);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_get_block_name_prefix(RbdImageHandle image, byte* prefix, nuint prefix_len);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_get_stripe_unit(RbdImageHandle image, ulong* stripe_unit);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_get_stripe_count(RbdImageHandle image, ulong* stripe_count);

    [LibraryImport(Libraries.Rbd)]
    internal static partial long rbd_get_data_pool_id(RbdImageHandle image);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_lock_acquire(RbdImageHandle image, int lock_mode);

    [LibraryImport(Libraries.Rbd)]
    internal static partial int rbd_watchers_list(RbdImageHandle image, rbd_image_watcher_t* watchers, nuint* max_watchers);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_watchers_list_cleanup(rbd_image_watcher_t* watchers, nuint num_watchers);
}
