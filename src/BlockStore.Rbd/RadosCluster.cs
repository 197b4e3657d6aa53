using System.Globalization;
using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

/// <summary>
/// A connection to a Ceph cluster as one cephx client.
/// </summary>
/// <remarks>
/// <para><b>Threading:</b> all members are safe to call concurrently from any thread; one instance
/// per process and client is the intended use (librados runs its own threads per connection).</para>
/// <para><b>Lifetime:</b> <see cref="Dispose"/> drops this object's reference. The native connection
/// is shut down (<c>rados_shutdown</c>) once every <see cref="IoContext"/> and <see cref="RbdImage"/>
/// opened through it is disposed too, so disposing the cluster first never breaks images that are
/// still open: they keep working until they are disposed. Calls on the disposed cluster object
/// itself throw <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed partial class RadosCluster : IDisposable
{
    private readonly RadosClusterHandle _handle;

    // SafeHandle.IsClosed stays false while children hold references, so track our own disposal.
    private volatile bool _disposed;

    private RadosCluster(RadosClusterHandle handle, string clientName, string fsid)
    {
        _handle = handle;
        ClientName = clientName;
        Fsid = fsid;
    }

    /// <summary>The entity this connection authenticated as, e.g. <c>client.blockstore</c>.</summary>
    public string ClientName { get; }

    /// <summary>The cluster's fsid (a UUID string).</summary>
    public string Fsid { get; }

    internal RadosClusterHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _handle;
        }
    }

    /// <summary>
    /// Connects to the cluster. <c>rados_connect</c> blocks, so it runs on a dedicated thread; the
    /// token abandons the wait (the connection, if it still succeeds, is shut down), it cannot
    /// interrupt the native call, which is bounded by <see cref="RadosConnectOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="RbdTimeoutException">The monitors did not answer within the connect timeout.</exception>
    /// <exception cref="RbdPermissionDeniedException">Authentication was refused.</exception>
    public static async Task<RadosCluster> ConnectAsync(RadosConnectOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.User);
        if (options.ConfFile is null && options.MonHost is null)
        {
            throw new ArgumentException("Either ConfFile or MonHost must be set.", nameof(options));
        }

        cancellationToken.ThrowIfCancellationRequested();
        Task<RadosCluster> connect = Task.Factory.StartNew(
            () => Connect(options), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return await connect.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = connect.ContinueWith(
                static t => t.Result.Dispose(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default);
            throw;
        }
    }

    private static RadosCluster Connect(RadosConnectOptions options)
    {
        string clientName = options.ClientName;
        RbdError.ThrowIfFailed(LibRados.rados_create2(out RadosClusterHandle handle, options.ClusterName, clientName, 0), "rados_create2", clientName);
        try
        {
            if (options.ConfFile is not null)
            {
                RbdError.ThrowIfFailed(LibRados.rados_conf_read_file(handle, options.ConfFile), "rados_conf_read_file", options.ConfFile);
            }

            Set(handle, "mon_host", options.MonHost);
            Set(handle, "keyring", options.Keyring);
            Set(handle, "key", options.Key);
            Set(handle, "client_mount_timeout", Seconds(options.ConnectTimeout));
            Set(handle, "rados_mon_op_timeout", Seconds(options.MonOperationTimeout));
            Set(handle, "rados_osd_op_timeout", Seconds(options.OsdOperationTimeout));
            foreach (KeyValuePair<string, string> setting in options.Settings ?? new Dictionary<string, string>())
            {
                Set(handle, setting.Key, setting.Value);
            }

            RbdError.ThrowIfFailed(LibRados.rados_connect(handle), "rados_connect", clientName);
            return new RadosCluster(handle, clientName, ReadFsid(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void Set(RadosClusterHandle handle, string option, string? value)
    {
        if (value is not null)
        {
            RbdError.ThrowIfFailed(LibRados.rados_conf_set(handle, option, value), "rados_conf_set", option);
        }
    }

    // The rados timeouts are whole seconds; round up so a short timeout never becomes "none" (0).
    private static string? Seconds(TimeSpan? timeout) =>
        timeout is { } t ? Math.Max(1, (long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : null;

    private static unsafe string ReadFsid(RadosClusterHandle handle)
    {
        byte* buffer = stackalloc byte[64];
        new Span<byte>(buffer, 64).Clear();
        RbdError.ThrowIfFailed(LibRados.rados_cluster_fsid(handle, buffer, 64), "rados_cluster_fsid");
        return NativeString.Read(buffer);
    }

    /// <summary>Lists the names of all pools in the cluster (from the client's OSD map; caps do not filter it).</summary>
    public unsafe IReadOnlyList<string> ListPools()
    {
        RadosClusterHandle handle = Handle;
        int size = 256;
        while (true)
        {
            byte[] buffer = new byte[size];
            int needed;
            fixed (byte* p = buffer)
            {
                needed = RbdError.ThrowIfFailed(LibRados.rados_pool_list(handle, p, (nuint)size), "rados_pool_list");
            }

            if (needed > size)
            {
                size = needed;
                continue;
            }

            // NUL-separated names, ending with an empty one.
            var pools = new List<string>();
            int start = 0;
            for (int i = 0; i < needed && buffer[i] != 0; i = start)
            {
                int end = Array.IndexOf(buffer, (byte)0, i);
                pools.Add(System.Text.Encoding.UTF8.GetString(buffer, i, end - i));
                start = end + 1;
            }

            return pools;
        }
    }

    /// <summary>Whether a pool of that name exists.</summary>
    public bool PoolExists(string pool)
    {
        ArgumentException.ThrowIfNullOrEmpty(pool);
        long id = LibRados.rados_pool_lookup(Handle, pool);
        if (id == -Errno.ENOENT)
        {
            return false;
        }

        RbdError.ThrowIfFailed(id, "rados_pool_lookup", $"pool '{pool}'");
        return true;
    }

    /// <summary>Opens an I/O context on a pool; images are created and opened through it.</summary>
    /// <exception cref="RbdNotFoundException">The pool does not exist.</exception>
    public IoContext OpenIoContext(string pool)
    {
        ArgumentException.ThrowIfNullOrEmpty(pool);
        RadosClusterHandle cluster = Handle;
        RadosIoCtxHandle ioctx = NativeHandle.CreateChild(
            cluster,
            () => (LibRados.rados_ioctx_create(cluster, pool, out RadosIoCtxHandle created), created),
            "rados_ioctx_create",
            $"pool '{pool}'");
        return new IoContext(ioctx, pool, LibRados.rados_ioctx_get_id(ioctx));
    }

    /// <summary>
    /// Releases this object's reference to the connection. The connection is shut down when the
    /// last <see cref="IoContext"/> and <see cref="RbdImage"/> opened through it are disposed.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _handle.Dispose();
    }
}
