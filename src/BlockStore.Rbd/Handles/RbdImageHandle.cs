using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd.Handles;

/// <summary>An <c>rbd_image_t</c>; released with <c>rbd_close</c>. Keeps its ioctx (and so its cluster) alive.</summary>
internal sealed class RbdImageHandle : NativeHandle
{
    // rbd_close flushes and can fail (e.g. the cluster went away), but there is nobody to tell
    // from a release path; the image context is freed either way.
    protected override void Free(IntPtr native) => _ = LibRbd.rbd_close(native);
}
