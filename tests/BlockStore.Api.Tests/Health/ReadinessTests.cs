using System.Diagnostics;
using System.Net;
using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace BlockStore.Api.Tests.Health;

/// <summary>/readyz against the real stack, and against a Ceph whose monitors do not answer.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task With_the_stack_up_readyz_is_200_and_ceph_answers_through_the_one_connection()
    {
        var host = await ApiHost.GetAsync();
        using var http = host.CreateClient();
        for (var i = 0; i < 3; i++) // repeated probes reuse the connection rather than making one each
        {
            var response = await http.GetAsync("/readyz");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
            body.GetProperty("checks").GetProperty("ceph").GetProperty("detail").GetString()!.ShouldContain("pool volumes answers");
        }
    }

    [Fact]
    public async Task When_ceph_does_not_answer_readyz_names_it_within_the_probe_timeout_every_time()
    {
        await using var host = new UnreachableCeph();
        using var http = host.CreateClient();
        for (var i = 0; i < 3; i++) // the connect in flight takes 15 s; each probe still answers in about 3
        {
            var clock = Stopwatch.StartNew();
            var response = await http.GetAsync("/readyz");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, body.ToString());
            body.GetProperty("down").EnumerateArray().Select(d => d.GetString()).ShouldContain("ceph");
            body.GetProperty("checks").GetProperty("ceph").GetProperty("detail").GetString()!.ShouldContain("did not answer");
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
        }
    }

    /// <summary>The API with Ceph's monitors at a loopback port nobody listens on.</summary>
    private sealed class UnreachableCeph : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder) =>
            builder.UseEnvironment("Production").ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Ceph:ConfFile"] = "",
                ["Ceph:MonHost"] = "v2:127.0.0.1:9",
            }));
    }
}
