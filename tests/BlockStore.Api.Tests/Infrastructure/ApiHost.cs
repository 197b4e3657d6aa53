using BlockStore.Core.Data;
using BlockStore.Core.Messaging;
using BlockStore.Core.Types;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>
/// The API hosted in-process on the real stack (PostgreSQL, RabbitMQ) named by the environment that
/// <c>scripts/stack env</c> exports. One host serves every test class; each test works in projects of
/// its own, so tests are independent and tolerate rows left by earlier runs. No worker runs here, so the host
/// also runs the outbox dispatcher (a worker's part in a deployment): what the API commits reaches the broker, and
/// no outbox rows are left for the worker tests' worker to publish.
/// </summary>
public sealed class ApiHost : WebApplicationFactory<Program>
{
    private static readonly string[] Required = ["ConnectionStrings__BlockStore", "RabbitMq__Uri"];
    private static readonly Lazy<Task<ApiHost>> Shared = new(StartAsync);

    private ApiHost(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    public Guid DefaultTypeId { get; private set; }

    public static Task<ApiHost> GetAsync() => Shared.Value;

    /// <summary>As deployed: no developer exception page between a failure and the Cinder fault handler.</summary>
    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.UseEnvironment("Production").ConfigureServices((context, services) => services.AddBlockStoreBus(context.Configuration));

    public BlockStoreDbContext NewDb() => new(DbSetup.OptionsFor(ConnectionString));

    /// <summary>A client that sends <c>X-Auth-Token: user:project</c>, as cinderclient does under noauth.</summary>
    public ApiClient Client(string user, string project) => new(CreateClient(), $"{user}:{project}", project);

    /// <summary>A client that sends the given token verbatim (or none).</summary>
    public ApiClient RawClient(string? token, string project) => new(CreateClient(), token, project);

    private static async Task<ApiHost> StartAsync()
    {
        var missing = Required.Where(n => string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(n))).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"The API tests need the real stack, but {string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not set. Start it and load its environment: " +
                "eval \"$(scripts/stack env)\" (or BLOCKSTORE_STATE=<dir> scripts/stack env), then run the tests again.");

        var host = new ApiHost(Environment.GetEnvironmentVariable(Required[0])!);
        await using (var db = host.NewDb())
        {
            await db.Database.MigrateAsync();
            host.DefaultTypeId = await db.VolumeTypes.Where(t => t.Name == VolumeType.DefaultName).Select(t => t.Id).SingleAsync();
        }
        _ = host.Server; // start now, so that the first test does not pay for it inside its own timing
        return host;
    }
}
