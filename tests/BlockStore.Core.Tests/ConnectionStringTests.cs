using BlockStore.Core.Data;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace BlockStore.Core.Tests;

/// <summary>The connection string the service uses: the configured one, with statement preparation on by default.</summary>
public sealed class ConnectionStringTests
{
    [Fact]
    public void Preparation_is_added_to_a_string_that_does_not_choose()
    {
        var built = new NpgsqlConnectionStringBuilder(DbSetup.ConnectionString(With("Host=db;Port=5432;Database=bs;Username=u;Password=p;")));

        built.MaxAutoPrepare.ShouldBe(64);
        built.AutoPrepareMinUsages.ShouldBe(2);
        built.NoResetOnClose.ShouldBeTrue();
        built.Host.ShouldBe("db");
        built.Password.ShouldBe("p");
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0")]
    [InlineData("Host=db;maxautoprepare=8;")]
    public void A_string_that_sets_preparation_is_used_as_it_is(string configured) =>
        DbSetup.ConnectionString(With(configured)).ShouldBe(configured);

    [Fact]
    public void A_missing_string_names_the_setting()
    {
        var empty = new ConfigurationBuilder().Build();
        Should.Throw<InvalidOperationException>(() => DbSetup.ConnectionString(empty)).Message.ShouldContain("ConnectionStrings:BlockStore");
    }

    private static IConfiguration With(string connectionString) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:BlockStore"] = connectionString })
        .Build();
}
