using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

internal static unsafe partial class LibRados
{
    internal const int LIBRADOS_CHECKSUM_TYPE_XXHASH64 = 1;

    [LibraryImport(Libraries.Rados)]
    internal static partial IntPtr rados_create_read_op();

    [LibraryImport(Libraries.Rados)]
    internal static partial void rados_release_read_op(IntPtr read_op);

    [LibraryImport(Libraries.Rados)]
    internal static partial void rados_read_op_stat(IntPtr read_op, ulong* psize, long* pmtime, int* prval);

    [LibraryImport(Libraries.Rados)]
    internal static partial void rados_read_op_checksum(
        IntPtr read_op, int type, byte* init_value, nuint init_value_len, ulong offset, nuint len, nuint chunk_size,
        byte* pchecksum, nuint checksum_len, int* prval);

    [LibraryImport(Libraries.Rados)]
    internal static partial int rados_aio_create_completion2(
        IntPtr cb_arg, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> cb_complete, out IntPtr pc);

    [LibraryImport(Libraries.Rados, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rados_aio_read_op_operate(IntPtr read_op, RadosIoCtxHandle io, IntPtr completion, string oid, int flags);

    [LibraryImport(Libraries.Rados)]
    internal static partial int rados_aio_get_return_value(IntPtr c);

    [LibraryImport(Libraries.Rados)]
    internal static partial void rados_aio_release(IntPtr c);
}
