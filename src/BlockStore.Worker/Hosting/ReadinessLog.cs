using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlockStore.Worker.Hosting;

/// <summary>The worker has no HTTP port by default; it states its readiness (and what is not ready) in its log at start.</summary>
public sealed partial class ReadinessLog(HealthCheckService health, ILogger<ReadinessLog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var report = await health.CheckHealthAsync(stoppingToken);
            var down = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy)
                .Select(e => $"{e.Key}: {e.Value.Description}").ToList();
            if (down.Count == 0) { LogReady(string.Join(", ", report.Entries.Keys)); return; }
            LogNotReady(string.Join("; ", down));
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
        }
    }

    [LoggerMessage(LogLevel.Information, "Worker ready: {Dependencies} reachable")]
    private partial void LogReady(string dependencies);

    [LoggerMessage(LogLevel.Warning, "Worker not ready yet: {Down}")]
    private partial void LogNotReady(string down);
}
