using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRados
{
    [LibraryImport(Libraries.Rados, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rados_ioctx_create(RadosClusterHandle cluster, string pool_name, out RadosIoCtxHandle ioctx);

    [LibraryImport(Libraries.Rados)]
    internal static partial void rados_ioctx_destroy(IntPtr io);

    [LibraryImport(Libraries.Rados)]
    internal static partial long rados_ioctx_get_id(RadosIoCtxHandle io);

    [LibraryImport(Libraries.Rados, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rados_stat(RadosIoCtxHandle io, string o, out ulong psize, out long pmtime);
}
