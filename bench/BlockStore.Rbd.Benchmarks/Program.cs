using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using BlockStore.Rbd;

// Throughput of the BlockStore.Rbd bindings against `rbd bench` on the same cluster, in one run.
// Reads the cluster settings from the same environment as the tests (scripts/stack env).
// Usage: dotnet run -c Release --project bench/BlockStore.Rbd.Benchmarks -- [--pool volumes] [--total-mib 2048] [--small-ops 32768]

const int LargeIo = 4 << 20;
const int SmallIo = 4 << 10;
const ulong SmallImage = 256UL << 20;

string pool = Option("--pool", "volumes");
ulong total = ulong.Parse(Option("--total-mib", "2048"), CultureInfo.InvariantCulture) << 20;
int smallOps = int.Parse(Option("--small-ops", "32768"), CultureInfo.InvariantCulture);
string confFile = Env("Ceph__ConfFile");
string user = Env("Ceph__User");
string keyring = Env("Ceph__Keyring");

using RadosCluster cluster = await RadosCluster.ConnectAsync(new RadosConnectOptions { User = user, ConfFile = confFile, Keyring = keyring });
using IoContext io = cluster.OpenIoContext(pool);
var rows = new List<(string Workload, string Bindings, string Cli, string Ratio)>();
var commands = new List<string>();
string currentImage = "";

Console.WriteLine($"pool {pool}, {total >> 20} MiB per large pass, {smallOps} small ops per pass, {Environment.ProcessorCount} CPUs");

// Large sequential I/O: a fresh image per queue depth, written then read back.
byte[] payload = new byte[LargeIo];
new Random(1).NextBytes(payload);
var large = new Dictionary<(string, int), double>();
foreach (int depth in new[] { 1, 8, 32 })
{
    await WithImageAsync(total, async image =>
    {
        int ops = (int)(total / LargeIo);
        double write = await RunAsync(depth, ops, (i, _) => image.WriteAsync((ulong)i * LargeIo, payload));
        await image.FlushAsync();
        byte[][] buffers = Enumerable.Range(0, depth).Select(_ => new byte[LargeIo]).ToArray();
        double read = await RunAsync(depth, ops, (i, worker) => image.ReadAsync((ulong)i * LargeIo, buffers[worker]));
        large[("write", depth)] = total / write / (1 << 20);
        large[("read", depth)] = total / read / (1 << 20);
        Console.WriteLine($"bindings QD{depth}: write {large[("write", depth)]:F0} MiB/s, read {large[("read", depth)]:F0} MiB/s");
    });
}

var cliLarge = new Dictionary<string, double>();
await WithImageAsync(total, _ =>
{
    foreach (string type in new[] { "write", "read" })
    {
        double opsPerSec = RbdBench(type, "4M", $"{total >> 20}M", "seq");
        cliLarge[type] = opsPerSec * LargeIo / (1 << 20);
        Console.WriteLine($"rbd bench {type} 4M: {cliLarge[type]:F0} MiB/s");
    }

    return Task.CompletedTask;
});

foreach (string type in new[] { "write", "read" })
{
    foreach (int depth in new[] { 1, 8, 32 })
    {
        rows.Add(($"4 MiB seq {type}, QD{depth}", $"{large[(type, depth)]:F0} MiB/s", $"{cliLarge[type]:F0} MiB/s", $"{large[(type, depth)] / cliLarge[type]:F2}×"));
    }
}

// Small random I/O on a pre-filled image, so reads hit real data.
var small = new Dictionary<(string, int), double>();
await WithImageAsync(SmallImage, async image =>
{
    await FillAsync(image);
    byte[] block = payload[..SmallIo];
    long[] offsets = RandomOffsets(smallOps, seed: 2);
    foreach (int depth in new[] { 16, 32 })
    {
        double write = await RunAsync(depth, smallOps, (i, _) => image.WriteAsync((ulong)offsets[i], block));
        await image.FlushAsync();
        byte[][] buffers = Enumerable.Range(0, depth).Select(_ => new byte[SmallIo]).ToArray();
        double read = await RunAsync(depth, smallOps, (i, worker) => image.ReadAsync((ulong)offsets[i], buffers[worker]));
        small[("write", depth)] = smallOps / write;
        small[("read", depth)] = smallOps / read;
        Console.WriteLine($"bindings 4K QD{depth}: write {small[("write", depth)]:F0} ops/s, read {small[("read", depth)]:F0} ops/s");
    }
});

var cliSmall = new Dictionary<string, double>();
await WithImageAsync(SmallImage, async image =>
{
    await FillAsync(image);
    foreach (string type in new[] { "write", "read" })
    {
        cliSmall[type] = RbdBench(type, "4K", $"{(long)smallOps * SmallIo >> 20}M", "rand");
        Console.WriteLine($"rbd bench {type} 4K: {cliSmall[type]:F0} ops/s");
    }
});

foreach (string type in new[] { "write", "read" })
{
    foreach (int depth in new[] { 16, 32 })
    {
        rows.Add(($"4 KiB rand {type}, QD{depth}", $"{small[(type, depth)]:F0} ops/s", $"{cliSmall[type]:F0} ops/s", $"{small[(type, depth)] / cliSmall[type]:F2}×"));
    }
}

Console.WriteLine();
Console.WriteLine("| Workload | Bindings | `rbd bench` (16 threads) | Bindings / CLI |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var row in rows)
{
    Console.WriteLine($"| {row.Workload} | {row.Bindings} | {row.Cli} | {row.Ratio} |");
}

Console.WriteLine();
Console.WriteLine("CLI commands run:");
foreach (string command in commands)
{
    Console.WriteLine("    " + command);
}

return 0;

// Runs `ops` operations with `depth` of them in flight; returns the elapsed seconds.
static async Task<double> RunAsync(int depth, int ops, Func<int, int, Task> op)
{
    int next = -1;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, depth).Select(async worker =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < ops)
        {
            await op(i, worker);
        }
    }));
    return watch.Elapsed.TotalSeconds;
}

async Task WithImageAsync(ulong size, Func<RbdImage, Task> body)
{
    string name = $"bench-{Guid.NewGuid():N}";
    Rbd.Create(io, name, size);
    currentImage = name;
    try
    {
        using RbdImage image = RbdImage.Open(io, name);
        await body(image);
    }
    finally
    {
        Rbd.Remove(io, name);
    }
}

async Task FillAsync(RbdImage image)
{
    await RunAsync(8, (int)(SmallImage / LargeIo), (i, _) => image.WriteAsync((ulong)i * LargeIo, payload));
    await image.FlushAsync();
}

static long[] RandomOffsets(int count, int seed)
{
    var random = new Random(seed);
    return Enumerable.Range(0, count).Select(_ => random.NextInt64((long)(SmallImage / SmallIo)) * SmallIo).ToArray();
}

// Runs `rbd bench` on the current image and returns its final ops/sec.
double RbdBench(string type, string size, string totalSize, string pattern)
{
    string[] args =
    [
        "--conf", confFile, "--id", user, "--keyring", keyring,
        "bench", "--io-type", type, "--io-size", size, "--io-threads", "16", "--io-total", totalSize, "--io-pattern", pattern,
        $"{pool}/{currentImage}",
    ];
    commands.Add("rbd " + string.Join(' ', args));
    var start = new ProcessStartInfo("rbd") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (string arg in args)
    {
        start.ArgumentList.Add(arg);
    }

    // The CLI would also pick up CEPH_ARGS; everything it needs is on the command line.
    start.Environment.Remove("CEPH_ARGS");
    using Process process = Process.Start(start) ?? throw new InvalidOperationException("rbd did not start");
    Task<string> stderr = process.StandardError.ReadToEndAsync();
    string output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"rbd bench failed ({process.ExitCode}): {stderr.Result}");
    }

    Match match = Regex.Match(output, @"ops/sec:\s*([0-9.]+)");
    return match.Success
        ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
        : throw new InvalidOperationException("Unexpected rbd bench output: " + output);
}

string Option(string name, string fallback)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

static string Env(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set; load the stack environment first (eval \"$(scripts/stack env)\").");
