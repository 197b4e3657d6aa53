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

    /// <summary>
    /// Connect options for <paramref name="ceph"/>; also used by readiness probes that need a fresh connection.
    /// An empty setting counts as unset (compose and charts pass <c>Ceph__Key=""</c>), so an empty key falls back
    /// to the keyring file.
    /// </summary>
    /// <exception cref="InvalidOperationException">The settings cannot work; the message names what is missing.</exception>
    public static RadosConnectOptions ConnectOptions(CephOptions ceph)
    {
        var (conf, keyring, monHost, key) = (Given(ceph.ConfFile), Given(ceph.Keyring), Given(ceph.MonHost), Given(ceph.Key));
        if (conf is null && monHost is null)
            throw new InvalidOperationException("Ceph: neither Ceph:ConfFile nor Ceph:MonHost is set, so the monitors are unknown (see `scripts/stack env`).");
        if (conf is not null && !File.Exists(conf))
            throw new InvalidOperationException($"Ceph: Ceph:ConfFile '{conf}' does not exist.");
        if (key is null && keyring is null && conf is null)
            throw new InvalidOperationException($"Ceph: no credentials for client.{ceph.User}: Ceph:Key is empty and Ceph:Keyring is not set.");
        if (key is null && keyring is not null && !File.Exists(keyring))
            throw new InvalidOperationException($"Ceph: Ceph:Key is empty and the keyring file Ceph:Keyring '{keyring}' does not exist.");
        return new()
        {
            User = ceph.User,
            ConfFile = conf,
            Keyring = keyring,
            MonHost = monHost,
            Key = key,
            ConnectTimeout = ceph.OperationTimeout,
            MonOperationTimeout = ceph.OperationTimeout,
            OsdOperationTimeout = ceph.OperationTimeout,
            Settings = ceph.Settings,
        };
    }

    private static string? Given(string? setting) => string.IsNullOrWhiteSpace(setting) ? null : setting;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _cluster?.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
