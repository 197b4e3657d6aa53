using BlockStore.Rbd;
using Microsoft.Extensions.Options;

namespace BlockStore.Storage.Backends;

/// <summary>
/// The process's one connection to the cluster, made on first use and kept. librados multiplexes every
/// pool and image over it; a failed connect is retried on the next call rather than cached.
/// </summary>
public sealed class CephConnection(IOptions<CephOptions> options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RadosCluster? _cluster;

    /// <summary>The connected cluster; connects first if needed.</summary>
    public async Task<RadosCluster> GetAsync(CancellationToken cancellationToken)
    {
        if (_cluster is { } connected) return connected;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _cluster ??= await RadosCluster.ConnectAsync(ConnectOptions(options.Value), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Connect options for <paramref name="ceph"/>; also used by readiness probes that need a fresh connection.</summary>
    public static RadosConnectOptions ConnectOptions(CephOptions ceph) => new()
    {
        User = ceph.User,
        ConfFile = ceph.ConfFile,
        Keyring = ceph.Keyring,
        MonHost = ceph.MonHost,
        Key = ceph.Key,
        ConnectTimeout = ceph.OperationTimeout,
        MonOperationTimeout = ceph.OperationTimeout,
        OsdOperationTimeout = ceph.OperationTimeout,
        Settings = ceph.Settings,
    };

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _cluster?.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
