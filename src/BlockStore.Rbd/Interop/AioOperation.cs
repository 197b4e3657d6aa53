using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

/// <summary>
/// State of one librbd AIO request: the task to complete, the pinned buffer and a reference on
/// the image. Its GCHandle is the completion's callback argument. Instances are pooled together
/// with their GCHandle, so a request allocates only its completion handle and task.
/// </summary>
internal sealed unsafe class AioOperation
{
    private const int MaxPooled = 512;
    private static readonly ConcurrentQueue<AioOperation> Pool = new();
    private static int s_pooled;

    private readonly IntPtr _self;
    private TaskCompletionSource<int>? _task;
    private RbdCompletionHandle? _completion;
    private RbdImageHandle? _image;
    private MemoryHandle _pin;
    private string _function = "";

    private AioOperation()
    {
        // A normal (not pinned) handle: the callback only needs to find this object again.
        _self = GCHandle.ToIntPtr(GCHandle.Alloc(this));
    }

    internal Task<int> Task => _task!.Task;

    internal RbdCompletionHandle Completion => _completion!;

    internal byte* Buffer => (byte*)_pin.Pointer;

    /// <summary>
    /// Prepares a request: references the image (so it cannot be closed under the request), pins
    /// the buffer and creates the completion whose callback finishes the task.
    /// </summary>
    internal static AioOperation Begin(RbdImageHandle image, string function, ReadOnlyMemory<byte> buffer = default)
    {
        AioOperation op = Rent();
        bool added = false;
        try
        {
            image.DangerousAddRef(ref added);
            op._image = image;
            op._function = function;
            op._task = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            op._pin = buffer.Pin();
            RbdError.ThrowIfFailed(
                LibRbd.rbd_aio_create_completion(op._self, &OnComplete, out RbdCompletionHandle completion),
                "rbd_aio_create_completion");
            op._completion = completion;
            return op;
        }
        catch
        {
            op.Release(added);
            throw;
        }
    }

    /// <summary>
    /// Called with the submit call's return code. On success the callback owns the operation, so
    /// the caller must have taken <see cref="Task"/> before submitting and not touch it afterwards.
    /// </summary>
    internal void Submitted(int rc)
    {
        if (rc >= 0)
        {
            return;
        }

        // librbd never calls back for a request it refused.
        TaskCompletionSource<int> task = _task!;
        string function = _function;
        Release(imageReferenced: true);
        task.TrySetException(RbdError.Create(-rc, function));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnComplete(IntPtr completion, IntPtr arg)
    {
        NativeCallback.Enter();
        TaskCompletionSource<int>? task = null;
        try
        {
            var op = (AioOperation)GCHandle.FromIntPtr(arg).Target!;
            task = op._task!;
            string function = op._function;
            long result = LibRbd.rbd_aio_get_return_value(op._completion!);
            op.Release(imageReferenced: true);

            if (result < 0)
            {
                task.TrySetException(RbdError.Create((int)-result, function));
            }
            else
            {
                task.TrySetResult((int)Math.Min(result, int.MaxValue));
            }
        }
        catch (Exception ex)
        {
            // Nothing may escape into librbd's thread; fault the task instead of losing it.
            task?.TrySetException(ex);
        }
        finally
        {
            NativeCallback.Exit();
        }
    }

    private void Release(bool imageReferenced)
    {
        _completion?.Dispose();
        _completion = null;
        _pin.Dispose();
        _pin = default;
        if (imageReferenced)
        {
            _image?.DangerousRelease();
        }

        _image = null;
        _task = null;
        _function = "";
        Return(this);
    }

    private static AioOperation Rent()
    {
        if (Pool.TryDequeue(out AioOperation? op))
        {
            Interlocked.Decrement(ref s_pooled);
            return op;
        }

        return new AioOperation();
    }

    private static void Return(AioOperation op)
    {
        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            Pool.Enqueue(op);
            return;
        }

        Interlocked.Decrement(ref s_pooled);
        GCHandle.FromIntPtr(op._self).Free();
    }
}
