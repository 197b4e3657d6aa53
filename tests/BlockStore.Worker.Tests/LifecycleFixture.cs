using System.Net.Http.Json;
using System.Text.Json;

namespace BlockStore.Worker.Tests;

/// <summary>
/// A real API and a real worker, as processes, against the real stack. The reconciler runs often and
/// judges operations stuck after a few seconds, so that crash tests finish quickly.
/// </summary>
public sealed class LifecycleFixture : IAsyncLifetime
{
    public ServiceProcess Api { get; private set; } = null!;
    public ServiceProcess Worker { get; private set; } = null!;
    public Uri ApiUrl { get; private set; } = null!;

    public static readonly Dictionary<string, string> WorkerSettings = new()
    {
        ["Reconciler__Interval"] = "00:00:02",
        ["Manage__ScanInterval"] = "00:00:02",
        // Heartbeats every 2 s: services, their levels (set-log) and what they report come round quickly.
        ["Services__ReportInterval"] = "00:00:02",
        ["Reconciler__StuckAfter"] = "00:00:05",
        ["Reconciler__GiveUpAfter"] = "00:05:00",
        ["Reconciler__MigrationAttempts"] = "6",
        // Small migration steps, so that a test volume of a few hundred MiB crosses many checkpoints.
        ["Migration__StepBytes"] = (16 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Migration__ReportInterval"] = "00:00:00.200",
        ["Migration__ProgressEventInterval"] = "00:00:01",
    };

    /// <summary>The API's upload limit here: small, so that a test can pass it cheaply.</summary>
    public const long ImageUploadLimit = 32L << 20;

    public async Task InitializeAsync()
    {
        StackEnvironment.Require("ConnectionStrings__BlockStore");
        var migrations = Path.Combine(StackEnvironment.RepoRoot, "migrations", "BlockStore.Migrations", "bin", StackEnvironment.Configuration,
            "net10.0", "BlockStore.Migrations.dll");
        var (code, output) = await StackEnvironment.RunAsync("dotnet", $"\"{migrations}\"");
        if (code != 0) throw new InvalidOperationException($"Migrations failed: {output}");

        var port = ServiceProcess.FreePort();
        ApiUrl = new Uri($"http://127.0.0.1:{port}");
        Api = ServiceProcess.Start("BlockStore.Api", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = ApiUrl.ToString(),
            ["Quotas__Volumes"] = "100000",
            ["Quotas__Gigabytes"] = "1000000",
            ["Images__MaxUploadBytes"] = ImageUploadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Images__HeartbeatInterval"] = "00:00:01",
        });
        Worker = StartWorker();
        await Worker.WaitForLogAsync("Worker ready", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = ApiUrl };
        await WaitReadyAsync(http, Api);
    }

    /// <summary>Polls the API's <c>/readyz</c> for up to a minute.</summary>
    public static async Task WaitReadyAsync(HttpClient http, ServiceProcess api)
    {
        for (var i = 0; ; i++)
        {
            try { if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) return; }
            catch (HttpRequestException) when (i < 300) { }
            if (i >= 300) throw new TimeoutException($"API not ready:\n{api.Tail()}");
            await Task.Delay(200);
        }
    }

    /// <summary>A worker with <see cref="WorkerSettings"/>, and <paramref name="overrides"/> over them.</summary>
    public ServiceProcess StartWorker(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var settings = new Dictionary<string, string>(WorkerSettings);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) settings[key] = value;
        return ServiceProcess.Start("BlockStore.Worker", settings);
    }

    public async Task RestartWorkerAsync(IReadOnlyDictionary<string, string>? overrides = null)
    {
        await Worker.DisposeAsync();
        Worker = StartWorker(overrides);
        await Worker.WaitForLogAsync("Worker ready", TimeSpan.FromSeconds(60));
    }

    public HttpClient Client(string project) =>
        new() { BaseAddress = new Uri(ApiUrl, $"/v3/{project}/"), DefaultRequestHeaders = { { "X-Auth-Token", $"tester:{project}" } } };

    /// <summary>A client of the noauth user the API treats as an admin.</summary>
    public HttpClient AdminClient(string project) =>
        new() { BaseAddress = new Uri(ApiUrl, $"/v3/{project}/"), DefaultRequestHeaders = { { "X-Auth-Token", $"admin:{project}" } } };

    /// <summary>Creates a volume through the API (a clone of <paramref name="sourceVolId"/>, when given) and returns its id.</summary>
    public static async Task<Guid> CreateVolumeAsync(HttpClient client, int size = 1, string? type = null, Guid? sourceVolId = null)
    {
        var response = await client.PostAsJsonAsync("volumes", new { volume = new { size, volume_type = type, source_volid = sourceVolId } });
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 202) throw new InvalidOperationException($"create answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("volume").GetProperty("id").GetGuid();
    }

    /// <summary>Polls the project's volumes until none is in a transitional status; returns id → status.</summary>
    public static async Task<Dictionary<Guid, string>> WaitSettledAsync(HttpClient client, int expected, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var doc = JsonDocument.Parse(await client.GetStringAsync("volumes/detail?limit=1000"));
            var statuses = doc.RootElement.GetProperty("volumes").EnumerateArray()
                .ToDictionary(v => v.GetProperty("id").GetGuid(), v => v.GetProperty("status").GetString()!);
            if (statuses.Count >= expected && statuses.Values.All(s => s is not ("creating" or "deleting" or "extending"))) return statuses;
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"Still transitional after {timeout}: {string.Join(", ", statuses.Values.GroupBy(s => s).Select(g => $"{g.Key}={g.Count()}"))}");
            await Task.Delay(500);
        }
    }

    public static async Task<HashSet<string>> RbdImagesAsync(string pool = "volumes")
    {
        var (code, output) = await StackEnvironment.RunAsync("rbd", $"ls {pool}");
        if (code != 0) throw new InvalidOperationException($"rbd ls failed: {output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
    }

    public async Task DisposeAsync()
    {
        await Worker.DisposeAsync();
        await Api.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<LifecycleFixture>
{
    public const string Name = "real stack, api and worker processes";
}
