using BlockStore.Rbd;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BlockStore.Storage.Backends;

/// <summary>
/// Readiness of Ceph, as the service's own restricted client, through the process's one connection
/// (<see cref="CephConnection"/>, made through our bindings): a stat of a probe object in a pool the service uses.
/// That is a round trip to the OSD holding it, so a cluster that stopped answering shows within
/// <see cref="ProbeTimeout"/> even though the connection itself is long-lived.
/// </summary>
/// <remarks>
/// One connection, not a fresh one per probe: connecting costs a round of cephx with the monitors and a dozen librados
/// threads started and stopped, about 40 ms a probe against under 1 ms for the stat here, and a fresh connection
/// only reached the monitors, never an OSD. The stat blocks a thread for up to the connection's operation timeout, so
/// probes share one stat in flight instead of piling up while Ceph is away. Register as a singleton.
/// </remarks>
public sealed class CephHealthCheck(CephConnection connection, IOptions<CephOptions> options) : IHealthCheck
{
    /// <summary>How long a probe waits for Ceph before it reports it down.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>An object normally absent from the pools, whose stat is a round trip to an OSD (also <see cref="RbdVolumeBackend.ProbeAsync"/>).</summary>
    internal const string ProbeObject = "blockstore-readiness-probe";
    private readonly Lock _lock = new();
    private Task<HealthCheckResult>? _inFlight;

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<HealthCheckResult> probe;
        lock (_lock)
        {
            probe = _inFlight is { IsCompleted: false } running ? running : _inFlight = Task.Run(ProbeAsync, CancellationToken.None);
        }
        try
        {
            return await probe.WaitAsync(ProbeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Ceph did not answer client.{options.Value.User} within {ProbeTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<HealthCheckResult> ProbeAsync()
    {
        var pool = options.Value.ProbePool;
        try
        {
            var cluster = await connection.GetAsync(CancellationToken.None).ConfigureAwait(false);
            using var io = cluster.OpenIoContext(pool);
            io.Stat(ProbeObject); // absent, normally: the answer is what counts
            return HealthCheckResult.Healthy($"connected as {cluster.ClientName} to {cluster.Fsid}; pool {pool} answers");
        }
        catch (RbdException ex)
        {
            return HealthCheckResult.Unhealthy($"Ceph is unreachable as client.{options.Value.User}: {ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message); // settings that cannot work (CephConnection.ConnectOptions)
        }
    }
}
