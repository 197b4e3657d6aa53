using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;

// Applies the EF Core migrations to the database named by ConnectionStrings__BlockStore. Used by
// scripts/run, the tests' set-up, the compose `migrate` service and the chart's pre-install Job.
var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__BlockStore");
if (string.IsNullOrWhiteSpace(connectionString))
{
    await Console.Error.WriteLineAsync("ConnectionStrings__BlockStore is not set. Run: eval \"$(scripts/stack env)\"");
    return 2;
}

var options = DbSetup.OptionsFor(connectionString);
await using var db = new BlockStoreDbContext(options);
var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
await db.Database.MigrateAsync();
Console.WriteLine(pending.Count == 0
    ? "Database is up to date."
    : $"Applied {pending.Count} migration(s): {string.Join(", ", pending)}");
return 0;
