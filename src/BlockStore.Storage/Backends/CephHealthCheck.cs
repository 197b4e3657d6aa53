using BlockStore.Rbd;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BlockStore.Storage.Backends;

/// <summary>
/// Readiness of Ceph, as the service's own restricted client: a fresh connection through our bindings and
/// an I/O context on a pool it uses. A fresh connection, because a long-lived one hides an outage for the
/// length of its timeouts.
/// </summary>
public sealed class CephHealthCheck(IOptions<CephOptions> options, IConfiguration configuration) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ceph = options.Value;
        var probe = new CephOptions
        {
            User = ceph.User, ConfFile = ceph.ConfFile, Keyring = ceph.Keyring, MonHost = ceph.MonHost, Key = ceph.Key,
            OperationTimeout = TimeSpan.FromSeconds(3),
        };
        var pool = configuration["Ceph:ProbePool"] ?? "volumes";
        try
        {
            using var cluster = await RadosCluster.ConnectAsync(CephConnection.ConnectOptions(probe), cancellationToken).ConfigureAwait(false);
            using var io = cluster.OpenIoContext(pool);
            return HealthCheckResult.Healthy($"connected as {cluster.ClientName} to {cluster.Fsid}");
        }
        catch (RbdException ex)
        {
            return HealthCheckResult.Unhealthy($"Ceph is unreachable as client.{ceph.User}: {ex.Message}");
        }
    }
}
