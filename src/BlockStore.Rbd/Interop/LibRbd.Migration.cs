using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRbd
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct rbd_image_migration_status_t
    {
        public long source_pool_id;
        public byte* source_pool_namespace;
        public byte* source_image_name;
        public byte* source_image_id;
        public long dest_pool_id;
        public byte* dest_pool_namespace;
        public byte* dest_image_name;
        public byte* dest_image_id;
        public int state;
        public byte* state_description;
    }

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_migration_prepare(
        RadosIoCtxHandle ioctx, string image_name, RadosIoCtxHandle dest_ioctx, string dest_image_name, RbdImageOptionsHandle opts);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_migration_prepare_import(
        string source_spec, RadosIoCtxHandle dest_ioctx, string dest_image_name, RbdImageOptionsHandle opts);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_migration_execute_with_progress(
        RadosIoCtxHandle ioctx, string image_name, delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_migration_abort_with_progress(
        RadosIoCtxHandle ioctx, string image_name, delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_migration_commit_with_progress(
        RadosIoCtxHandle ioctx, string image_name, delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> cb, IntPtr cbdata);

    [LibraryImport(Libraries.Rbd, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rbd_migration_status(
        RadosIoCtxHandle ioctx, string image_name, rbd_image_migration_status_t* status, nuint status_size);

    [LibraryImport(Libraries.Rbd)]
    internal static partial void rbd_migration_status_cleanup(rbd_image_migration_status_t* status);
}
