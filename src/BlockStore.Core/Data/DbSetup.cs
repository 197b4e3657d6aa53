using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BlockStore.Core.Data;

public static class DbSetup
{
    public const string ConnectionName = "BlockStore";

    /// <summary>Registers the context (pooled: the API creates one per request) with snake_case names.</summary>
    public static IServiceCollection AddBlockStoreDb(this IServiceCollection services, IConfiguration configuration)
    {
        var cs = ConnectionString(configuration);
        services.AddDbContextPool<BlockStoreDbContext>(o => Configure(o, cs));
        return services;
    }

    /// <summary>
    /// The configured connection string, with automatic preparation on unless it says otherwise: the service
    /// sends the same few statements over and over, and a prepared one skips PostgreSQL's parse and plan.
    /// </summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        var cs = configuration.GetConnectionString(ConnectionName)
                 ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not set (see `scripts/stack env`).");
        var parsed = new DbConnectionStringBuilder { ConnectionString = cs };
        return parsed.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
            ? cs
            : cs.TrimEnd(';') + ";Max Auto Prepare=64;Auto Prepare Min Usages=2;No Reset On Close=true";
    }

    /// <summary>Options for a context made by hand (migrations, tests, tools).</summary>
    public static DbContextOptions<BlockStoreDbContext> OptionsFor(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<BlockStoreDbContext>();
        Configure(builder, connectionString);
        return builder.Options;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql
                .MigrationsHistoryTable("__ef_migrations_history", BlockStoreDbContext.Schema)
                .MigrationsAssembly("BlockStore.Migrations"))
            .UseSnakeCaseNamingConvention();
}
