namespace BlockStore.Worker.Tests;

/// <summary>A worker checks its <c>Migration</c> settings when it starts, and refuses to run with one out of range.</summary>
public sealed class MigrationOptionsTests
{
    [Theory]
    [InlineData("Migration__MaxBytesPerSecond", "0")]
    [InlineData("Migration__ChunksInFlight", "257")]
    public async Task A_worker_started_with_a_migration_setting_out_of_range_stops_and_says_which_ranges_apply(string key, string value)
    {
        StackEnvironment.Require("ConnectionStrings__BlockStore");
        await using var worker = ServiceProcess.Start("BlockStore.Worker", new Dictionary<string, string>(LifecycleFixture.WorkerSettings) { [key] = value });

        // The exit first: it also waits for the output to be read to its end.
        (await worker.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldNotBe(0);
        worker.Log.ShouldContain("MaxBytesPerSecond and ReportInterval must be positive, ChunksInFlight 1 to 256");
    }
}
