using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Tests.Infrastructure;
using Npgsql;

namespace BlockStore.Api.Tests.Health;

/// <summary>
/// When PostgreSQL cannot serve a request (unreachable, or its connections cut by a restart), the API answers 503
/// <c>serviceUnavailable</c>, which tells clients and load balancers to come back, never a 500.
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task With_PostgreSQL_unreachable_reads_and_writes_answer_503_and_readyz_says_why()
    {
        var shared = await ApiHost.GetAsync();
        // The same database at a loopback port nobody listens on.
        var unreachable = new NpgsqlConnectionStringBuilder(shared.ConnectionString) { Port = 9, Timeout = 2 }.ConnectionString;
        await using var host = new ConfiguredApi(new Dictionary<string, string?> { ["ConnectionStrings:BlockStore"] = unreachable });
        var project = $"outage-{Guid.NewGuid():N}";
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Add("X-Auth-Token", $"member:{project}");

        await ShouldBeUnavailable(await http.GetAsync($"/v3/{project}/volumes/detail"));
        await ShouldBeUnavailable(await http.PostAsJsonAsync($"/v3/{project}/volumes", new { volume = new { size = 1 } }));
        await ShouldBeUnavailable(await http.GetAsync($"/v3/{project}/os-quota-sets/{project}?usage=True"));
        var ready = await http.GetAsync("/readyz");
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await ready.Content.ReadAsStringAsync()).ShouldContain("postgres");
    }

    [Fact]
    public async Task Connections_cut_by_a_PostgreSQL_restart_answer_503_and_the_next_request_is_served()
    {
        var shared = await ApiHost.GetAsync();
        var application = $"outage-{Guid.NewGuid():N}"[..30];
        var tagged = new NpgsqlConnectionStringBuilder(shared.ConnectionString) { ApplicationName = application }.ConnectionString;
        await using var host = new ConfiguredApi(new Dictionary<string, string?> { ["ConnectionStrings:BlockStore"] = tagged });
        var project = $"outage-{Guid.NewGuid():N}";
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Add("X-Auth-Token", $"member:{project}");
        (await http.GetAsync($"/v3/{project}/volumes/detail")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // What a restart does to the API's pooled connections: the server ends them (57P01, admin shutdown).
        await using (var admin = new NpgsqlConnection(shared.ConnectionString))
        {
            await admin.OpenAsync();
            await using var cut = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", admin)
            {
                Parameters = { new() { Value = application } },
            };
            ((long)(await cut.ExecuteScalarAsync())!).ShouldBeGreaterThan(0);
        }

        await ShouldBeUnavailable(await http.GetAsync($"/v3/{project}/volumes/detail"));
        // The broken connection left the pool with the failure; a new one serves the next request.
        (await http.GetAsync($"/v3/{project}/volumes/detail")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("57P01", true)] // admin shutdown: a restart
    [InlineData("57P03", true)] // cannot connect now: starting up
    [InlineData("53300", true)] // too many connections
    [InlineData("08006", true)] // connection failure
    [InlineData("23505", false)] // a unique violation is the request's problem, not an outage
    [InlineData("42P01", false)] // an unknown table is a bug, and stays a 500
    public void A_server_error_is_an_outage_only_for_connection_shutdown_and_resource_states(string sqlState, bool outage)
    {
        var error = new PostgresException("message", "FATAL", "FATAL", sqlState);
        var wrapped = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", error);
        (CinderExceptionHandler.DatabaseUnavailable(wrapped) is not null).ShouldBe(outage);
    }

    private static async Task ShouldBeUnavailable(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(503, body);
        var fault = JsonDocument.Parse(body).RootElement.GetProperty("serviceUnavailable");
        fault.GetProperty("code").GetInt32().ShouldBe(503);
        fault.GetProperty("message").GetString().ShouldBe("The service is unavailable: its database cannot be reached. Retry later.");
    }
}
