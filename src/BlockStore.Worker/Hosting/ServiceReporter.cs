using BlockStore.Core.Data;
using BlockStore.Core.Services;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Hosting;

/// <summary>
/// The worker's heartbeat, as Cinder's volume services report theirs: every <see cref="ServiceOptions.ReportInterval"/>
/// it probes each configured backend (<see cref="BackendProbes"/>, each for at most one interval) and stamps the
/// backend's <c>host@backend</c> row with the time and whether it answered. <c>os-services</c> reads the rows; a
/// backend's failures and recoveries are logged here.
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
        var failures = await _probes.ProbeAllAsync(_options.ReportInterval, ct);
        foreach (var (backend, failure) in failures)
        {
            var up = failure is null;
            if (_wasUp.TryGetValue(backend, out var wasUp) ? wasUp != up : !up)
            {
                if (up) LogBackendUp(backend); else LogBackendDown(backend, failure!);
            }
            _wasUp[backend] = up;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>();
        await ServiceRegistry.StampAsync(db, catalog.Value.Host, catalog.Value.AvailabilityZone,
            failures.ToDictionary(f => f.Key, f => f.Value is null), clock.GetUtcNow().UtcDateTime, ct);
    }

    [LoggerMessage(LogLevel.Warning, "Backend {Backend} is down: {Reason}")]
    private partial void LogBackendDown(string backend, string reason);

    [LoggerMessage(LogLevel.Information, "Backend {Backend} answers again")]
    private partial void LogBackendUp(string backend);

    [LoggerMessage(LogLevel.Warning, "Could not report the volume services")]
    private partial void LogReportFailed(Exception ex);
}
