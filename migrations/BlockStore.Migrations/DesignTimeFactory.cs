using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BlockStore.Migrations;

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<BlockStoreDbContext>
{
    public BlockStoreDbContext CreateDbContext(string[] args) =>
        new(DbSetup.OptionsFor(
            Environment.GetEnvironmentVariable("ConnectionStrings__BlockStore") ?? "Host=127.0.0.1;Database=blockstore"));
}
