using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace BlockStore.Core.Health;

/// <summary>Readiness probes that touch the real dependency: a SQL round trip, an AMQP connection.</summary>
public static class DependencyChecks
{
    public const string Tag = "ready";

    /// <summary>PostgreSQL: what every process needs. The API needs nothing else to accept work (the outbox holds it).</summary>
    public static IHealthChecksBuilder AddBlockStoreDependencyChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<PostgresCheck>("postgres", tags: [Tag], timeout: TimeSpan.FromSeconds(3));

    /// <summary>RabbitMQ, for a process that publishes or consumes (the worker).</summary>
    public static IHealthChecksBuilder AddBusCheck(this IHealthChecksBuilder checks) =>
        checks.AddCheck<RabbitMqCheck>("rabbitmq", tags: [Tag], timeout: TimeSpan.FromSeconds(3));

    private sealed class PostgresCheck(BlockStoreDbContext db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            try
            {
                await db.Database.ExecuteSqlRawAsync("SELECT 1", ct);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy($"PostgreSQL is unreachable: {ex.Message}");
            }
        }
    }

    private sealed class RabbitMqCheck(IConfiguration configuration) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            try
            {
                var factory = new ConnectionFactory { Uri = new Uri(configuration["RabbitMq:Uri"]!), RequestedConnectionTimeout = TimeSpan.FromSeconds(2) };
                await using var connection = await factory.CreateConnectionAsync("blockstore-readyz", ct);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy($"RabbitMQ is unreachable: {ex.Message}");
            }
        }
    }
}
