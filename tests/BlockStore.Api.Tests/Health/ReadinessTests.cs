using System.Net;
using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Health;

/// <summary>/readyz against the real stack.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_is_200_when_PostgreSQL_answers_and_checks_nothing_the_API_can_accept_work_without()
    {
        var host = await ApiHost.GetAsync();
        using var http = host.CreateClient();
        var response = await http.GetAsync("/readyz");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        body.GetProperty("status").GetString().ShouldBe("ready");
        body.GetProperty("down").GetArrayLength().ShouldBe(0);
        // RabbitMQ and Ceph are the workers' dependencies: a change waits in the outbox for the broker, and Ceph's
        // state shows in os-services. Checking them here would take every API replica out of service with them.
        // (The test host also runs a dispatcher, whose bus adds MassTransit's own check; the API process has none.)
        var checks = body.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToList();
        checks.ShouldContain("postgres");
        checks.ShouldNotContain("rabbitmq");
        checks.ShouldNotContain("ceph");
    }
}
