using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd.Handles;

/// <summary>A <c>rados_ioctx_t</c>; released with <c>rados_ioctx_destroy</c>. Keeps its cluster alive.</summary>
internal sealed class RadosIoCtxHandle : NativeHandle
{
    protected override void Free(IntPtr native) => LibRados.rados_ioctx_destroy(native);
}
