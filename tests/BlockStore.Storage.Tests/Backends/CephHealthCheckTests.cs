using System.Diagnostics;
using BlockStore.Storage.Backends;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace BlockStore.Storage.Tests.Backends;

/// <summary>The worker's Ceph readiness check against the real cluster, and against monitors that do not answer.</summary>
public sealed class CephHealthCheckTests
{
    [Fact]
    public async Task With_the_stack_up_the_check_is_healthy_through_the_one_connection()
    {
        var options = Options.Create(new CephOptions { User = Stack("Ceph__User"), ConfFile = Stack("Ceph__ConfFile"), Keyring = Stack("Ceph__Keyring") });
        await using var connection = new CephConnection(options);
        var check = new CephHealthCheck(connection, options);
        for (var i = 0; i < 3; i++) // repeated probes reuse the connection rather than making one each
        {
            var result = await check.CheckHealthAsync(new HealthCheckContext());
            result.Status.ShouldBe(HealthStatus.Healthy, result.Description);
            result.Description.ShouldNotBeNull().ShouldContain("pool volumes answers");
        }
    }

    [Fact]
    public async Task When_the_monitors_do_not_answer_the_check_says_so_within_the_probe_timeout_every_time()
    {
        var options = Options.Create(new CephOptions { User = Stack("Ceph__User"), Keyring = Stack("Ceph__Keyring"), MonHost = "v2:127.0.0.1:9" });
        await using var connection = new CephConnection(options);
        var check = new CephHealthCheck(connection, options);
        for (var i = 0; i < 3; i++) // the connect in flight takes 15 s; each probe still answers in about 3
        {
            var clock = Stopwatch.StartNew();
            var result = await check.CheckHealthAsync(new HealthCheckContext());
            result.Status.ShouldBe(HealthStatus.Unhealthy);
            result.Description.ShouldNotBeNull().ShouldContain("did not answer");
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
        }
    }

    private static string Stack(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. Run the tests with scripts/test, or eval \"$(scripts/stack env)\" first.");
}
