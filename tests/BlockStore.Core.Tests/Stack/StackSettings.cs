using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace BlockStore.Core.Tests.Stack;

/// <summary>The real stack's settings, exported by <c>scripts/stack env</c>; the tests fail loudly without them.</summary>
public static class StackSettings
{
    private static readonly SemaphoreSlim Migrated = new(1, 1);
    private static bool _migrated;

    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. Run the tests with scripts/test, or eval \"$(scripts/stack env)\" first.");

    /// <summary>The app's configuration, from the same environment variables the services read.</summary>
    public static IConfiguration Configuration()
    {
        return new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:BlockStore"] = Require("ConnectionStrings__BlockStore"),
            ["RabbitMq:Uri"] = Require("RabbitMq__Uri"),
        }).Build();
    }

    /// <summary>A context on the real database, with the migrations applied once per run.</summary>
    public static async Task<BlockStoreDbContext> DbAsync()
    {
        var db = new BlockStoreDbContext(DbSetup.OptionsFor(Require("ConnectionStrings__BlockStore")));
        await Migrated.WaitAsync();
        try
        {
            if (!_migrated) await db.Database.MigrateAsync();
            _migrated = true;
        }
        finally
        {
            Migrated.Release();
        }
        return db;
    }
}
