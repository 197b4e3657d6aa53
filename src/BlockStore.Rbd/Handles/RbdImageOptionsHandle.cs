using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd.Handles;

/// <summary>An <c>rbd_image_options_t</c>; released with <c>rbd_image_options_destroy</c>.</summary>
internal sealed class RbdImageOptionsHandle : NativeHandle
{
    protected override bool DeferReleaseInCallbacks => false;

    protected override void Free(IntPtr native) => LibRbd.rbd_image_options_destroy(native);
}
