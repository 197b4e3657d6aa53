using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

/// <summary>
/// One asynchronous read op of two steps, a stat and a <c>CEPH_OSD_OP_CHECKSUM</c>: the OSD hashes a range
/// of an object where it is stored and sends back only the hash and the object's size. The OSD trims a range
/// that runs past the object's end, and the size tells how much of the range was hashed. The native op, its completion and a small native block for the seed, the return codes and the results
/// stay alive until librados calls back.
/// </summary>
internal sealed unsafe class ChecksumOperation
{
    // seed (8) | size (8) | mtime (8) | stat prval (4) | checksum prval (4) | result: le32 count, then one
    // le64 per chunk; we ask for one chunk.
    private const int SeedOffset = 0, SizeOffset = 8, MtimeOffset = 16, StatValueOffset = 24, ResultValueOffset = 28;
    private const int OutputOffset = 32, OutputLength = 4 + 8, BlockLength = OutputOffset + OutputLength;

    private readonly TaskCompletionSource<RadosChecksum> _task = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RadosIoCtxHandle _io;
    private readonly string _subject;
    private readonly ulong _offset, _length;
    private byte* _block;
    private IntPtr _op, _completion;
    private GCHandle _self;

    private ChecksumOperation(RadosIoCtxHandle io, string subject, ulong offset, ulong length)
    {
        _io = io;
        _subject = subject;
        _offset = offset;
        _length = length;
    }

    /// <summary>Starts hashing [offset, offset + length) of <paramref name="oid"/> with XXH64 and the given seed.</summary>
    internal static Task<RadosChecksum> StartXxHash64(RadosIoCtxHandle io, string oid, ulong offset, ulong length, ulong seed)
    {
        var op = new ChecksumOperation(io, $"object '{oid}' [{offset}, {offset + length})", offset, length);
        bool added = false;
        try
        {
            io.DangerousAddRef(ref added);
            op._block = (byte*)NativeMemory.AllocZeroed(BlockLength);
            BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(op._block + SeedOffset, 8), seed);
            op._op = LibRados.rados_create_read_op();
            if (op._op == IntPtr.Zero) throw new OutOfMemoryException("rados_create_read_op returned null.");
            LibRados.rados_read_op_stat(
                op._op, (ulong*)(op._block + SizeOffset), (long*)(op._block + MtimeOffset), (int*)(op._block + StatValueOffset));
            LibRados.rados_read_op_checksum(
                op._op, LibRados.LIBRADOS_CHECKSUM_TYPE_XXHASH64, op._block + SeedOffset, 8, offset, (nuint)length, 0,
                op._block + OutputOffset, OutputLength, (int*)(op._block + ResultValueOffset));
            op._self = GCHandle.Alloc(op);
            RbdError.ThrowIfFailed(
                LibRados.rados_aio_create_completion2(GCHandle.ToIntPtr(op._self), &OnComplete, out op._completion),
                "rados_aio_create_completion2", op._subject);
        }
        catch
        {
            op.Release(added);
            throw;
        }

        Task<RadosChecksum> task = op._task.Task;
        int rc = LibRados.rados_aio_read_op_operate(op._op, io, op._completion, oid, 0);
        if (rc < 0)
        {
            // librados never calls back for a request it refused.
            op.Release(ioReferenced: true);
            op._task.TrySetException(RbdError.Create(-rc, "rados_aio_read_op_operate", op._subject));
        }

        return task;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnComplete(IntPtr completion, IntPtr arg)
    {
        NativeCallback.Enter();
        ChecksumOperation? op = null;
        try
        {
            op = (ChecksumOperation)GCHandle.FromIntPtr(arg).Target!;
            int rc = LibRados.rados_aio_get_return_value(op._completion);
            int statRc = *(int*)(op._block + StatValueOffset), sumRc = *(int*)(op._block + ResultValueOffset);
            ulong size = *(ulong*)(op._block + SizeOffset);
            var output = new ReadOnlySpan<byte>(op._block + OutputOffset, OutputLength);
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(output);
            ulong hash = BinaryPrimitives.ReadUInt64LittleEndian(output[4..]);
            op.Release(ioReferenced: true);

            ulong hashed = size <= op._offset ? 0 : Math.Min(op._length, size - op._offset);
            int failed = rc < 0 ? rc : statRc < 0 ? statRc : sumRc;
            if (failed < 0)
            {
                op._task.TrySetException(RbdError.Create(-failed, "rados_read_op_checksum", op._subject));
            }
            else if (count != (hashed == 0 ? 0u : 1u))
            {
                op._task.TrySetException(new RbdException(
                    $"rados_read_op_checksum returned {count} checksums for {hashed} bytes of {op._subject}.", Errno.EIO, "rados_read_op_checksum"));
            }
            else
            {
                op._task.TrySetResult(new RadosChecksum(hashed == 0 ? 0 : hash, hashed, size));
            }
        }
        catch (Exception ex)
        {
            // Nothing may escape into librados' thread; fault the task instead of losing it.
            op?._task.TrySetException(ex);
        }
        finally
        {
            NativeCallback.Exit();
        }
    }

    private void Release(bool ioReferenced)
    {
        if (_completion != IntPtr.Zero) LibRados.rados_aio_release(_completion);
        if (_op != IntPtr.Zero) LibRados.rados_release_read_op(_op);
        if (_block != null) NativeMemory.Free(_block);
        if (_self.IsAllocated) _self.Free();
        _completion = _op = IntPtr.Zero;
        _block = null;
        if (ioReferenced) _io.DangerousRelease();
    }
}
