using System.Diagnostics;

namespace BlockStore.Rbd.Tests;

/// <summary>
/// One connection to the shared test cluster as client.blockstore, configured from the
/// environment the stack script exports. Missing settings fail every test: CI always has the stack.
/// </summary>
public sealed class CephFixture : IAsyncLifetime
{
    public const string ImagesPool = "images";
    public const string VolumesPool = "volumes";

    // Created through the admin script; client.blockstore has no caps on it.
    public const string ForbiddenPool = "rbd-tests-nocaps";

    private RadosCluster? _cluster;
    private IoContext? _images;
    private IoContext? _volumes;

    public CephFixture()
    {
        MonHost = Required("Ceph__MonHost");
        ConfFile = Required("Ceph__ConfFile");
        User = Required("Ceph__User");
        Keyring = Required("Ceph__Keyring");
        Key = Required("Ceph__Key");
    }

    public string MonHost { get; }

    public string ConfFile { get; }

    public string User { get; }

    public string Keyring { get; }

    public string Key { get; }

    public RadosCluster Cluster => _cluster ?? throw new InvalidOperationException("Not connected.");

    public IoContext Images => _images ?? throw new InvalidOperationException("Not connected.");

    public IoContext Volumes => _volumes ?? throw new InvalidOperationException("Not connected.");

    public RadosConnectOptions ConfFileOptions => new()
    {
        User = User,
        ConfFile = ConfFile,
        Keyring = Keyring,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        MonOperationTimeout = TimeSpan.FromSeconds(30),
        OsdOperationTimeout = TimeSpan.FromSeconds(60),
    };

    public async Task InitializeAsync()
    {
        _cluster = await RadosCluster.ConnectAsync(ConfFileOptions);
        _images = _cluster.OpenIoContext(ImagesPool);
        _volumes = _cluster.OpenIoContext(VolumesPool);
    }

    public Task DisposeAsync()
    {
        _images?.Dispose();
        _volumes?.Dispose();
        _cluster?.Dispose();
        return Task.CompletedTask;
    }

    public static string UniqueName(string prefix = "img") => $"rbdtest-{prefix}-{Guid.NewGuid():N}";

    /// <summary>Creates an image that is removed (with its snapshots) when the result is disposed.</summary>
    public TestImage CreateImage(IoContext io, ulong size, RbdImageOptions? options = null, string prefix = "img")
    {
        string name = UniqueName(prefix);
        Rbd.Create(io, name, size, options);
        return new TestImage(io, name);
    }

    /// <summary>Makes sure the pool outside client.blockstore's caps exists.</summary>
    public void EnsureForbiddenPool()
    {
        if (!Cluster.PoolExists(ForbiddenPool))
        {
            RunStackAdmin("ceph", "osd", "pool", "create", ForbiddenPool, "8", "8");
        }
    }

    /// <summary>Runs <c>scripts/stack admin …</c> for set-up the restricted client may not do.</summary>
    public static string RunStackAdmin(params string[] args)
    {
        var start = new ProcessStartInfo(StackScript())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("admin");
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the stack script.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"stack admin {string.Join(' ', args)} did not finish in 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"stack admin {string.Join(' ', args)} exited with {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }

    private static string StackScript()
    {
        if (Environment.GetEnvironmentVariable("BLOCKSTORE_STACK_SCRIPT") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BlockStore.sln")))
            {
                string script = Path.Combine(dir.FullName, "scripts", "stack");
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException($"{script} does not exist; set BLOCKSTORE_STACK_SCRIPT.");
            }
        }

        throw new InvalidOperationException("No BlockStore.sln above the test directory; set BLOCKSTORE_STACK_SCRIPT.");
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"Environment variable {name} is not set. The RBD tests need the shared Ceph stack: load it with "
                + "eval \"$(scripts/stack env)\" (Ceph__MonHost, Ceph__ConfFile, Ceph__User, Ceph__Keyring, Ceph__Key).");
}

[CollectionDefinition(Name)]
public sealed class CephCollection : ICollectionFixture<CephFixture>
{
    public const string Name = "ceph";
}

/// <summary>An image created for one test; disposing removes it, unprotecting and removing its snapshots first.</summary>
public sealed class TestImage(IoContext io, string name) : IDisposable
{
    public IoContext Io { get; } = io;

    public string Name { get; } = name;

    public RbdImage Open(string? snapshot = null, bool readOnly = false) => RbdImage.Open(Io, Name, snapshot, readOnly);

    public void Dispose()
    {
        try
        {
            Remove(Io, Name);
        }
        catch (RbdException ex)
        {
            // Do not hide the failure that got us here; the image is left behind for inspection.
            Console.Error.WriteLine($"Could not remove test image {Io.PoolName}/{Name}: {ex.Message}");
        }
    }

    public static void Remove(IoContext io, string name)
    {
        try
        {
            using (RbdImage image = RbdImage.Open(io, name))
            {
                foreach (RbdSnapshotInfo snapshot in image.ListSnapshots())
                {
                    if (image.IsSnapshotProtected(snapshot.Name))
                    {
                        image.UnprotectSnapshot(snapshot.Name);
                    }

                    image.RemoveSnapshot(snapshot.Name);
                }
            }

            Rbd.Remove(io, name);
        }
        catch (RbdNotFoundException)
        {
        }
    }
}
