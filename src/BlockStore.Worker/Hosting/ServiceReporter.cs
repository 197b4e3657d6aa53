using BlockStore.Core.Data;
using BlockStore.Core.Services;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Hosting;

/// <summary>
/// The worker's heartbeat, as Cinder's volume services report theirs: every <see cref="ServiceOptions.ReportInterval"/>
/// it probes each configured backend (<see cref="BackendProbes"/>, each for at most one interval) and stamps the
/// backend's <c>host@backend</c> row with the time, whether it answered, how full it is and (RBD) the cluster's monitors, which attachments' connection info names. <c>os-services</c> and
/// <c>get_pools</c> read the rows; a backend's failures and recoveries are logged here.
/// </summary>
public sealed partial class ServiceReporter(VolumeBackends backends, IOptions<BackendCatalog> catalog, IOptions<ServiceOptions> options,
    IServiceScopeFactory scopes, TimeProvider clock, ILogger<ServiceReporter> logger) : BackgroundService
{
    private readonly ServiceOptions _options = options.Value;
    private readonly BackendProbes _probes = new(backends);
    private readonly Dictionary<string, bool> _wasUp = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.ReportInterval, clock);
        do
        {
            try
            {
                await ReportAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogReportFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ReportAsync(CancellationToken ct)
    {
        var probes = await _probes.ProbeAllAsync(_options.ReportInterval, ct);
        foreach (var (backend, probe) in probes)
        {
            if (_wasUp.TryGetValue(backend, out var wasUp) ? wasUp != probe.IsUp : !probe.IsUp)
            {
                if (probe.IsUp) LogBackendUp(backend); else LogBackendDown(backend, probe.Failure!);
            }
            _wasUp[backend] = probe.IsUp;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>();
        await ServiceRegistry.StampAsync(db, catalog.Value.Host, catalog.Value.AvailabilityZone,
            probes.ToDictionary(p => p.Key, p => ToReport(p.Value)), clock.GetUtcNow().UtcDateTime, ct);
    }

    private static BackendReport ToReport(BackendProbe probe) =>
        new(probe.IsUp, probe.Capacity?.TotalBytes, probe.Capacity?.FreeBytes, probe.Monitors?.ToArray());

    [LoggerMessage(LogLevel.Warning, "Backend {Backend} is down: {Reason}")]
    private partial void LogBackendDown(string backend, string reason);

    [LoggerMessage(LogLevel.Information, "Backend {Backend} answers again")]
    private partial void LogBackendUp(string backend);

    [LoggerMessage(LogLevel.Warning, "Could not report the volume services")]
    private partial void LogReportFailed(Exception ex);
}
