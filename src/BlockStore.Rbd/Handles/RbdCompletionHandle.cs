using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd.Handles;

/// <summary>An <c>rbd_completion_t</c>; released with <c>rbd_aio_release</c>.</summary>
internal sealed class RbdCompletionHandle : NativeHandle
{
    // Releasing a completion from its own callback is what librbd expects; nothing to defer.
    protected override bool DeferReleaseInCallbacks => false;

    protected override void Free(IntPtr native) => LibRbd.rbd_aio_release(native);
}
