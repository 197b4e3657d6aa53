using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd.Handles;

/// <summary>A <c>rados_t</c>; released with <c>rados_shutdown</c>.</summary>
internal sealed class RadosClusterHandle : NativeHandle
{
    protected override void Free(IntPtr native) => LibRados.rados_shutdown(native);
}
