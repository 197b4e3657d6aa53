using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

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

    /// <summary>
    /// Has the OSD storing <paramref name="objectName"/> hash [offset, offset + length) of it with XXH64
    /// (<c>rados_read_op_checksum</c>, with a stat in the same op) and send back only the hash and the object's
    /// size, so a range can be checked without reading it over the network. Holes inside the object hash as
    /// zeroes; a range that runs past the object's end is trimmed to it (see <see cref="RadosChecksum.HashedLength"/>).
    /// </summary>
    /// <param name="objectName">The RADOS object; for an image's data see <see cref="RbdDataLayout.ObjectName"/>.</param>
    /// <param name="offset">The first byte in the object.</param>
    /// <param name="length">The number of bytes.</param>
    /// <param name="seed">The XXH64 seed.</param>
    /// <returns>
    /// The XXH64 of the bytes hashed, as <c>System.IO.Hashing.XxHash64</c> computes it with the same seed,
    /// and how many there were.
    /// </returns>
    /// <exception cref="RbdNotFoundException">The object does not exist.</exception>
    /// <exception cref="RbdException">The OSD refused.</exception>
    public Task<RadosChecksum> ChecksumXxHash64Async(string objectName, ulong offset, ulong length, ulong seed = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectName);
        ArgumentOutOfRangeException.ThrowIfZero(length);
        return ChecksumOperation.StartXxHash64(Handle, objectName, offset, length, seed);
    }

    /// <summary>
    /// The size of a RADOS object (<c>rados_stat</c>), or null when it does not exist. Either way an answer from
    /// the OSD that holds it, so this also proves that the pool's OSDs serve this client. Blocks, bounded by the
    /// connection's <see cref="RadosConnectOptions.OsdOperationTimeout"/>.
    /// </summary>
    /// <exception cref="RbdTimeoutException">The OSD did not answer in time.</exception>
    /// <exception cref="RbdException">The OSD refused (for instance, caps that do not allow reading the pool).</exception>
    public ulong? Stat(string objectName)
    {
        ArgumentException.ThrowIfNullOrEmpty(objectName);
        int rc = LibRados.rados_stat(Handle, objectName, out ulong size, out _);
        if (rc == -Errno.ENOENT)
        {
            return null;
        }

        RbdError.ThrowIfFailed(rc, "rados_stat", $"object '{objectName}' in pool '{PoolName}'");
        return size;
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
