using System.Net.Http.Json;
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

    [Fact]
    public async Task An_admin_turns_on_a_workers_debug_logs_while_it_runs_and_reads_its_levels_back()
    {
        const string scanner = "BlockStore.Worker.Volumes.ManageableScanner";
        using var admin = stack.AdminClient("services-tests");
        admin.DefaultRequestHeaders.Add("OpenStack-API-Version", "volume 3.32");
        try
        {
            (await admin.PutAsJsonAsync("os-services/set-log", new { binary = "cinder-volume", prefix = scanner, level = "DEBUG" }))
                .StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
            // The scanner's debug line (every scan, 2 s here) appears once the worker has applied the level.
            await stack.Worker.WaitForLogAsync("manageable scan recorded", TimeSpan.FromSeconds(60));
            var until = DateTime.UtcNow.AddSeconds(30);
            Dictionary<string, string?> reported;
            do
            {
                reported = (await LogLevelsAsync(admin, scanner)).ToDictionary(e => e.GetProperty("host").GetString()!,
                    e => e.GetProperty("levels").TryGetProperty(scanner, out var level) ? level.GetString() : null);
            }
            while ((reported.Count < 3 || reported.Values.Any(l => l != "DEBUG")) && DateTime.UtcNow < until && await Delay());
            reported.Keys.Select(h => h.Split('@')[1]).Order().ToList().ShouldBe(new List<string> { "ceph", "ceph-fast", "local" }, $"worker log:\n{stack.Worker.Tail()}");
            reported.Values.ShouldAllBe(l => l == "DEBUG");
        }
        finally
        {
            (await admin.PutAsJsonAsync("os-services/set-log", new { binary = "cinder-volume", prefix = scanner, level = "INFO" }))
                .StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
        }
    }

    /// <summary>get-log of the volume services, the levels of the categories that start with <paramref name="prefix"/>.</summary>
    private static async Task<List<JsonElement>> LogLevelsAsync(HttpClient admin, string prefix)
    {
        var response = await admin.PutAsJsonAsync("os-services/get-log", new { binary = "cinder-volume", prefix });
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(200, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("log_levels").EnumerateArray().ToList();
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
