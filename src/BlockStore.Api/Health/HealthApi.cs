using System.Text.Json;
using BlockStore.Api.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BlockStore.Api.Health;

/// <summary><c>/healthz</c> is liveness (the process answers); <c>/readyz</c> checks every dependency and names the ones down.</summary>
public static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).WithTags("Health");
        app.MapGet("/healthcheck", () => Results.Text("OK")).WithTags("Health");
        app.MapGet("/readyz", Ready).WithTags("Health");
    }

    private static async Task<IResult> Ready(HealthCheckService health, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains("ready"), ct);
        var down = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key).ToList();
        return new JsonBody(down.Count == 0 ? 200 : 503, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", down.Count == 0 ? "ready" : "not ready");
            w.WriteStartArray("down");
            foreach (var name in down) w.WriteStringValue(name);
            w.WriteEndArray();
            w.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                w.WriteStartObject(name);
                w.WriteString("status", entry.Status.ToString());
                if ((entry.Description ?? entry.Exception?.Message) is { } why) w.WriteString("detail", why);
                w.WriteNumber("ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
