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
        var cs = configuration.GetConnectionString(ConnectionName)
                 ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not set (see `scripts/stack env`).");
        services.AddDbContextPool<BlockStoreDbContext>(o => Configure(o, cs));
        return services;
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
