using System.Runtime.InteropServices;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd.Handles;

/// <summary>
/// Base of the librados/librbd handles. A child handle holds a reference on its parent
/// (image → ioctx → cluster), so the native parent outlives every child whatever order
/// the managed objects are disposed or finalized in.
/// </summary>
internal abstract class NativeHandle : SafeHandle
{
    private SafeHandle? _parent;

    protected NativeHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Whether releasing from inside a librbd callback must be moved off that thread.</summary>
    protected virtual bool DeferReleaseInCallbacks => true;

    /// <summary>
    /// Creates a child handle that keeps <paramref name="parent"/> alive. The parent reference is
    /// taken before the native call, so a concurrent dispose of the parent cannot slip in between.
    /// </summary>
    internal static T CreateChild<T>(SafeHandle parent, Func<(int Result, T Child)> create, string function, string subject)
        where T : NativeHandle
    {
        bool added = false;
        parent.DangerousAddRef(ref added);
        try
        {
            (int result, T child) = create();
            RbdError.ThrowIfFailed(result, function, subject);
            child._parent = parent;
            added = false; // the child owns the reference now
            return child;
        }
        finally
        {
            if (added)
            {
                parent.DangerousRelease();
            }
        }
    }

    protected abstract void Free(IntPtr native);

    protected sealed override bool ReleaseHandle()
    {
        IntPtr native = handle;
        SafeHandle? parent = _parent;
        _parent = null;

        // rbd_close and rados_shutdown wait for librbd's own threads; running them on one of those
        // threads (the last reference dropped inside an AIO or progress callback) would deadlock.
        if (DeferReleaseInCallbacks && NativeCallback.IsActive)
        {
            ThreadPool.UnsafeQueueUserWorkItem(
                static state => state.Self.FreeAndRelease(state.Native, state.Parent),
                (Self: this, Native: native, Parent: parent),
                preferLocal: false);
            return true;
        }

        FreeAndRelease(native, parent);
        return true;
    }

    private void FreeAndRelease(IntPtr native, SafeHandle? parent)
    {
        try
        {
            Free(native);
        }
        finally
        {
            parent?.DangerousRelease();
        }
    }
}

/// <summary>Marks the current thread as running inside a callback from librbd.</summary>
internal static class NativeCallback
{
    [ThreadStatic]
    private static int t_depth;

    internal static bool IsActive => t_depth > 0;

    internal static void Enter() => t_depth++;

    internal static void Exit() => t_depth--;
}
