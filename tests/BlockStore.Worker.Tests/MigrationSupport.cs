using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using BlockStore.Storage;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Files;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Tests;

/// <summary>
/// The stack's three backends as the tests see them (ceph, ceph-fast, local), opened through the same
/// devices the worker uses, plus volume types that select each and the polling a migration test needs.
/// </summary>
public sealed class MigrationSupport : IAsyncDisposable
{
    public const long MiB = 1 << 20;

    private readonly CephConnection _ceph = new(Options.Create(new CephOptions
    {
        User = StackEnvironment.Require("Ceph__User"), ConfFile = StackEnvironment.Require("Ceph__ConfFile"),
        Keyring = StackEnvironment.Require("Ceph__Keyring"), OperationTimeout = TimeSpan.FromSeconds(60),
    }));

    public MigrationSupport()
    {
        Local = new FileVolumeBackend("local", new FileVolumeStore(StackEnvironment.Require("Backends__local__Path")));
        Backends = new VolumeBackends([new RbdVolumeBackend("ceph", "volumes", _ceph), new RbdVolumeBackend("ceph-fast", "volumes-fast", _ceph), Local]);
    }

    public VolumeBackends Backends { get; }

    public FileVolumeBackend Local { get; }

    public string FilePath(Guid id) => Path.Combine(Local.Directory, $"volume-{id}");

    /// <summary>Creates (once per name) a public type whose <c>volume_backend_name</c> is <paramref name="backend"/>; returns its name.</summary>
    public static async Task<string> TypeForAsync(HttpClient admin, string backend)
    {
        var name = $"migrate-{backend}";
        var response = await admin.PostAsJsonAsync("types",
            new Dictionary<string, object> { ["volume_type"] = new { name, extra_specs = new Dictionary<string, string> { ["volume_backend_name"] = backend } } });
        if (!response.IsSuccessStatusCode && (int)response.StatusCode != 409)
            throw new InvalidOperationException($"type create answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return name;
    }

    /// <summary>Writes seeded random bytes at each offset (in MiB), and one allocated but all-zero MiB after the last.</summary>
    public async Task WriteAsync(string backend, Guid id, params (long OffsetMiB, int LengthMiB)[] ranges)
    {
        await using var device = await Backends.Get(backend).OpenAsync($"volume-{id}", writable: true, default);
        var seed = 0;
        foreach (var (offset, length) in ranges)
        {
            var data = new byte[length * MiB];
            new Random(++seed).NextBytes(data);
            await device.WriteAsync(offset * MiB, data);
        }
        await device.WriteAsync((ranges[^1].OffsetMiB + ranges[^1].LengthMiB) * MiB, new byte[MiB]);
        await device.FlushAsync();
    }

    /// <summary>SHA-256 of the whole device; holes are hashed as zeroes without being read.</summary>
    public async Task<string> Sha256Async(string backend, Guid id)
    {
        await using var device = await Backends.Get(backend).OpenAsync($"volume-{id}", writable: false, default);
        return await Sha256Async(device);
    }

    /// <summary>SHA-256 of a backup's data in the stack's backup store (the <c>backups</c> pool).</summary>
    public async Task<string> BackupSha256Async(Guid backupId)
    {
        await using var device = await BackupStore.OpenAsync($"backup-{backupId}", writable: false, default);
        return await Sha256Async(device);
    }

    /// <summary>The stack's backup store, as the worker sees it.</summary>
    public RbdVolumeBackend BackupStore => _backupStore ??= new RbdVolumeBackend("backups", "backups", _ceph);

    private RbdVolumeBackend? _backupStore;

    private static async Task<string> Sha256Async(IBlockSource device)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[4 * MiB];
        var zeroes = new byte[4 * MiB];
        long at = 0;
        await foreach (var extent in device.GetAllocatedExtentsAsync(0))
        {
            for (; at < extent.Offset; at += Math.Min(zeroes.Length, extent.Offset - at)) hash.AppendData(zeroes, 0, (int)Math.Min(zeroes.Length, extent.Offset - at));
            for (; at < extent.End; at += Math.Min(buffer.Length, extent.End - at))
            {
                var n = (int)Math.Min(buffer.Length, extent.End - at);
                await device.ReadAsync(at, buffer.AsMemory(0, n));
                hash.AppendData(buffer, 0, n);
            }
        }
        for (; at < device.Size; at += Math.Min(zeroes.Length, device.Size - at)) hash.AppendData(zeroes, 0, (int)Math.Min(zeroes.Length, device.Size - at));
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public Task<bool> ExistsAsync(string backend, Guid id) => Backends.Get(backend).ExistsAsync($"volume-{id}", default);

    public static async Task<JsonElement> ShowAsync(HttpClient client, Guid id) =>
        JsonDocument.Parse(await client.GetStringAsync($"volumes/{id}")).RootElement.GetProperty("volume").Clone();

    /// <summary>
    /// Polls until the migration has ended (success or error) and the volume left <c>retyping</c>. A volume seen
    /// <c>completing</c> on the way must show its copy whole (100 %, every byte copied).
    /// </summary>
    public static async Task<JsonElement> WaitMigratedAsync(HttpClient client, Guid id, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var volume = await ShowAsync(client, id);
            var status = volume.GetProperty("migration_status").GetString();
            if (status is "success" or "error" && volume.GetProperty("status").GetString() != "retyping")
                return volume;
            if (status == "completing" && volume.TryGetProperty("migration_progress", out var progress)
                && (progress.GetProperty("percent").GetInt32() != 100 || progress.GetProperty("bytes_copied").GetInt64() != progress.GetProperty("bytes_total").GetInt64()))
                throw new InvalidOperationException($"Migration of {id} is completing but its progress says otherwise: {volume}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"Migration of {id} did not end in {timeout}: {volume}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls <c>migration_progress</c> until it reaches <paramref name="percent"/>; returns it as it was then.</summary>
    public static async Task<JsonElement> WaitProgressAsync(HttpClient client, Guid id, int percent, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var volume = await ShowAsync(client, id);
            if (volume.TryGetProperty("migration_progress", out var progress) && progress.GetProperty("percent").GetInt32() >= percent)
                return progress.Clone();
            if (DateTime.UtcNow > until) throw new TimeoutException($"Migration of {id} did not reach {percent}% in {timeout}: {volume}");
            await Task.Delay(50);
        }
    }

    public static async Task<HttpResponseMessage> ActAsync(HttpClient client, Guid id, string action) =>
        await client.PostAsync($"volumes/{id}/action", new StringContent(action, System.Text.Encoding.UTF8, "application/json"));

    /// <summary>
    /// Bytes the worker read from the source for this volume, summed over the step lines in its log. Two
    /// steps from the same checkpoint (the broker's redelivery and the reconciler's re-send, racing after a
    /// restart; only one of them commits) count once.
    /// </summary>
    public static long BytesReadInLog(string log, Guid id) => StepsInLog(log, id).GroupBy(s => s.From).Sum(g => g.Max(s => s.Read));

    /// <summary>Each step line of this volume in the worker's log: where it started and how much it read.</summary>
    public static List<(long From, long Read)> StepsInLog(string log, Guid id) =>
        System.Text.RegularExpressions.Regex.Matches(log, $@"Migration of volume {id}: step from (\d+) to \d+, (\d+) bytes read")
            .Select(m => (long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    public ValueTask DisposeAsync() => _ceph.DisposeAsync();
}
