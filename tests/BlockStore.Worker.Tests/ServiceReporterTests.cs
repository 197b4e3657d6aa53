using System.Text.Json;
using BlockStore.Core.Services;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Files;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Tests;

/// <summary>Volume services: the running worker's heartbeat, and backends probed down and up again, read through os-services.</summary>
[Collection(StackCollection.Name)]
public sealed class ServiceReporterTests(LifecycleFixture stack)
{
    [Fact]
    public async Task The_running_worker_reports_every_configured_backend_up()
    {
        // Stamped after this test began: by this worker (within one 10 s interval), not left by an earlier one.
        var since = DateTime.UtcNow.AddSeconds(-1);
        var until = DateTime.UtcNow.AddSeconds(30);
        List<string> up;
        do
        {
            up = (await ServicesAsync("binary=cinder-volume"))
                .Where(s => s.GetProperty("state").GetString() == "up" && s.GetProperty("backend_state").GetString() == "up"
                    && DateTime.Parse(s.GetProperty("updated_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > since)
                .Select(s => s.GetProperty("host").GetString()!.Split('@')[1]).Distinct().Order().ToList();
        }
        while (up.Count < 3 && DateTime.UtcNow < until && await Delay());
        up.ShouldBe(["ceph", "ceph-fast", "local"], $"worker log:\n{stack.Worker.Tail()}");
    }

    [Fact]
    public async Task A_backend_that_cannot_serve_is_reported_down_and_up_again_once_it_can()
    {
        var host = $"probe-{Guid.NewGuid():N}";
        var folder = Directory.CreateTempSubdirectory("blockstore-probe-").FullName;
        await using var ceph = new CephConnection(Options.Create(new CephOptions
        {
            User = StackEnvironment.Require("Ceph__User"),
            ConfFile = StackEnvironment.Require("Ceph__ConfFile"),
            Keyring = StackEnvironment.Require("Ceph__Keyring"),
        }));
        var probes = new BackendProbes(new VolumeBackends(
        [
            new FileVolumeBackend("files", new FileVolumeStore(folder)),
            new RbdVolumeBackend("no-pool", "blockstore-no-such-pool", ceph),
            new RbdVolumeBackend("ceph", "volumes", ceph),
        ]));
        await using var db = StackEnvironment.NewDb();
        try
        {
            Directory.Delete(folder);
            var probed = await probes.ProbeAllAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            probed["files"].Failure.ShouldNotBeNull();
            probed["no-pool"].Failure.ShouldNotBeNull();
            probed["ceph"].Failure.ShouldBeNull();
            probed["ceph"].Capacity!.FreeBytes.ShouldBeGreaterThan(0);
            probed["ceph"].Capacity!.TotalBytes.ShouldBeGreaterThanOrEqualTo(probed["ceph"].Capacity!.FreeBytes);
            await ServiceRegistry.StampAsync(db, host, "nova", 
                probed.ToDictionary(p => p.Key, p => new BackendReport(p.Value.IsUp, p.Value.Capacity?.TotalBytes, p.Value.Capacity?.FreeBytes)), DateTime.UtcNow, default);
            (await BackendStatesAsync(host)).ShouldBe(new Dictionary<string, string>
            {
                [$"{host}@ceph"] = "up", [$"{host}@files"] = "down", [$"{host}@no-pool"] = "down",
            });

            Directory.CreateDirectory(folder);
            var files = (await probes.ProbeAllAsync(TimeSpan.FromSeconds(10), CancellationToken.None))["files"];
            files.Failure.ShouldBeNull();
            var filesystem = new DriveInfo(folder);
            files.Capacity!.TotalBytes.ShouldBe(filesystem.TotalSize);
            files.Capacity!.FreeBytes.ShouldBeInRange(1, filesystem.TotalSize);
            Directory.EnumerateFileSystemEntries(folder).ShouldBeEmpty("the probe leaves nothing behind");
        }
        finally
        {
            await db.Services.Where(s => s.Host.StartsWith(host)).ExecuteDeleteAsync();
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<Dictionary<string, string>> BackendStatesAsync(string host) =>
        (await ServicesAsync($"host={host}@ceph", $"host={host}@files", $"host={host}@no-pool"))
            .ToDictionary(s => s.GetProperty("host").GetString()!, s => s.GetProperty("backend_state").GetString()!);

    /// <summary>os-services at 3.49, as an admin; one request per query, their services together.</summary>
    private async Task<List<JsonElement>> ServicesAsync(params string[] queries)
    {
        using var admin = stack.AdminClient("services-tests");
        admin.DefaultRequestHeaders.Add("OpenStack-API-Version", "volume 3.49");
        var all = new List<JsonElement>();
        foreach (var query in queries)
            all.AddRange(JsonDocument.Parse(await admin.GetStringAsync($"os-services?{query}")).RootElement.GetProperty("services").EnumerateArray());
        return all;
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(500);
        return true;
    }
}
