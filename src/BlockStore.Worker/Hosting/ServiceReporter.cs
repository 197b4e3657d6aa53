using System.Text.Json;
using BlockStore.Core.Data;
using BlockStore.Core.Logging;
using BlockStore.Core.Services;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Worker.Backups;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Hosting;

/// <summary>
/// The worker's heartbeat, as Cinder's volume services report theirs: every <see cref="ServiceOptions.ReportInterval"/>
/// it probes each configured backend (<see cref="BackendProbes"/>, each for at most one interval) and stamps the
/// backend's <c>host@backend</c> row with the time, whether it answered, how full it is and (RBD) the cluster's monitors, which attachments' connection info names. <c>os-services</c> and
/// <c>get_pools</c> read the rows; a backend's failures and recoveries are logged here. Each heartbeat also applies the
/// log levels an admin set for these services since the worker started (<see cref="LogLevelRequest"/>) and reports the
/// worker's levels in the rows (<c>os-services/get-log</c>).
/// </summary>
public sealed partial class ServiceReporter(VolumeBackends backends, BackupStore backupStore, IOptions<BackendCatalog> catalog, IOptions<ServiceOptions> options,
    IServiceScopeFactory scopes, RuntimeLogLevels logLevels, TimeProvider clock, ILogger<ServiceReporter> logger) : BackgroundService
{
    private readonly ServiceOptions _options = options.Value;
    private readonly BackendProbes _probes = new(backends);
    /// <summary>The backup store's, apart: it is no volume backend, and its service is the host's <c>cinder-backup</c>.</summary>
    private readonly BackendProbes? _storeProbes = backupStore.Backend is { } store ? new(new VolumeBackends([store])) : null;
    private readonly Dictionary<string, bool> _wasUp = [];
    private readonly DateTime _started = clock.GetUtcNow().UtcDateTime;
    private long _lastLogLevelRequest;

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
        foreach (var (backend, probe) in probes) NoteChange(backend, probe);
        var store = _storeProbes is null ? null : (await _storeProbes.ProbeAllAsync(_options.ReportInterval, ct)).Values.Single();
        if (store is not null) NoteChange("backup store", store);

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BlockStoreDbContext>();
        await ApplyLogLevelsAsync(db, probes.Keys.Select(b => $"{catalog.Value.Host}@{b}").ToList(), _storeProbes is null ? null : catalog.Value.Host, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var levels = JsonSerializer.Serialize(logLevels.Get(null));
        await ServiceRegistry.StampAsync(db, catalog.Value.Host, catalog.Value.AvailabilityZone,
            probes.ToDictionary(p => p.Key, p => ToReport(p.Value)), now, ct, levels);
        if (store is not null) await ServiceRegistry.StampBackupAsync(db, catalog.Value.Host, catalog.Value.AvailabilityZone, ToReport(store), now, ct, levels);
    }

    /// <summary>Logs a backend (or the backup store) going down or answering again; one that is down from the start is logged too.</summary>
    private void NoteChange(string backend, BackendProbe probe)
    {
        if (_wasUp.TryGetValue(backend, out var wasUp) ? wasUp != probe.IsUp : !probe.IsUp)
        {
            if (probe.IsUp) LogBackendUp(backend); else LogBackendDown(backend, probe.Failure!);
        }
        _wasUp[backend] = probe.IsUp;
    }

    private async Task ApplyLogLevelsAsync(BlockStoreDbContext db, IReadOnlyCollection<string> hosts, string? backupHost, CancellationToken ct)
    {
        // One set-log for several of this worker's services is one request per service, one after the other: applied once.
        (string Prefix, string Level)? last = null;
        foreach (var request in await ServiceRegistry.LogLevelRequestsAsync(db, hosts, backupHost, _lastLogLevelRequest, _started, ct))
        {
            _lastLogLevelRequest = request.Id;
            if (last == (request.Prefix, request.Level)) continue;
            last = (request.Prefix, request.Level);
            logLevels.Set(request.Prefix, request.Level);
            LogLevelSet(request.Prefix, request.Level, request.Host);
        }
    }

    private static BackendReport ToReport(BackendProbe probe) =>
        new(probe.IsUp, probe.Capacity?.TotalBytes, probe.Capacity?.FreeBytes, probe.Monitors?.ToArray());

    [LoggerMessage(LogLevel.Warning, "Backend {Backend} is down: {Reason}")]
    private partial void LogBackendDown(string backend, string reason);

    [LoggerMessage(LogLevel.Information, "Backend {Backend} answers again")]
    private partial void LogBackendUp(string backend);

    [LoggerMessage(LogLevel.Information, "Log level {Level} set for the loggers starting with '{Prefix}' (set-log for {Service})")]
    private partial void LogLevelSet(string prefix, string level, string service);

    [LoggerMessage(LogLevel.Warning, "Could not report the volume services")]
    private partial void LogReportFailed(Exception ex);
}
