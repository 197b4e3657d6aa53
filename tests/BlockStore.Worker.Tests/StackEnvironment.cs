using System.Diagnostics;
using System.Reflection;

namespace BlockStore.Worker.Tests;

/// <summary>The real stack's settings, exported by <c>scripts/stack env</c>; tests fail loudly without them.</summary>
public static class StackEnvironment
{
    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. Run the tests with scripts/test, or eval \"$(scripts/stack env)\" first.");

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>A context on the stack's database, for reading and arranging rows around the processes under test.</summary>
    public static Core.Data.BlockStoreDbContext NewDb() => new(Core.Data.DbSetup.OptionsFor(Require("ConnectionStrings__BlockStore")));

    public static string Configuration { get; } =
        typeof(StackEnvironment).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string BuiltDll(string project) =>
        Path.Combine(RepoRoot, "src", project, "bin", Configuration, "net10.0", project + ".dll");

    /// <summary>Runs a CLI (rbd as client.blockstore, or scripts/stack) and returns its standard output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, string arguments, TimeSpan? timeout = null)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        var stdout = p.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = p.StandardError.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    public static Task<(int Code, string Output)> StackAsync(string arguments) =>
        RunAsync(Path.Combine(RepoRoot, "scripts", "stack"), arguments, TimeSpan.FromMinutes(3));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BlockStore.sln"))) return dir.FullName;
        throw new InvalidOperationException("BlockStore.sln not found above the test assembly.");
    }
}
