using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd;

/// <summary>
/// An I/O context on one pool (a <c>rados_ioctx_t</c>). Pool-level image operations in
/// <see cref="Rbd"/> and <see cref="RbdImage.Open"/> take one.
/// </summary>
/// <remarks>
/// <para><b>Threading:</b> safe to use from many threads at once; librbd copies the context for
/// each image it opens.</para>
/// <para><b>Lifetime:</b> keeps its <see cref="RadosCluster"/> connection alive. Disposing it while
/// images opened through it are still open is safe: the native context is destroyed after the
/// last of them is disposed. Calls on the disposed object throw <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed class IoContext : IDisposable
{
    private readonly RadosIoCtxHandle _handle;

    // SafeHandle.IsClosed stays false while children hold references, so track our own disposal.
    private volatile bool _disposed;

    internal IoContext(RadosIoCtxHandle handle, string poolName, long poolId)
    {
        _handle = handle;
        PoolName = poolName;
        PoolId = poolId;
    }

    /// <summary>The pool's name.</summary>
    public string PoolName { get; }

    /// <summary>The pool's numeric id.</summary>
    public long PoolId { get; }

    internal RadosIoCtxHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _handle;
        }
    }

    /// <summary>Releases this object's reference; the native context lives on while images opened through it are open.</summary>
    public void Dispose()
    {
        _disposed = true;
        _handle.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => PoolName;
}
