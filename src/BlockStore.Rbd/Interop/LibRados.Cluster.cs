using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRados
{
    [LibraryImport(Libraries.Rados, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rados_create2(out RadosClusterHandle pcluster, string clustername, string name, ulong flags);

    [LibraryImport(Libraries.Rados, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rados_conf_read_file(RadosClusterHandle cluster, string? path);

    [LibraryImport(Libraries.Rados, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rados_conf_set(RadosClusterHandle cluster, string option, string value);

    [LibraryImport(Libraries.Rados)]
    internal static partial int rados_connect(RadosClusterHandle cluster);

    [LibraryImport(Libraries.Rados)]
    internal static partial void rados_shutdown(IntPtr cluster);

    [LibraryImport(Libraries.Rados)]
    internal static partial int rados_cluster_fsid(RadosClusterHandle cluster, byte* buf, nuint len);

    [LibraryImport(Libraries.Rados)]
    internal static partial int rados_pool_list(RadosClusterHandle cluster, byte* buf, nuint len);

    [LibraryImport(Libraries.Rados, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial long rados_pool_lookup(RadosClusterHandle cluster, string pool_name);

    [LibraryImport(Libraries.Rados)]
    internal static partial int rados_mon_command(RadosClusterHandle cluster, byte** cmd, nuint cmdlen, byte* inbuf, nuint inbuflen,
        out byte* outbuf, out nuint outbuflen, out byte* outs, out nuint outslen);

    [LibraryImport(Libraries.Rados)]
    internal static partial void rados_buffer_free(byte* buf);
}
