using BlockStore.Rbd;
using BlockStore.Storage.Backends;
using Microsoft.Extensions.Options;

namespace BlockStore.Storage.Tests.Rbd;

/// <summary>
/// The stack's <c>volumes</c> pool, reached as the service reaches it (<see cref="CephConnection"/> with the
/// <c>Ceph__*</c> settings that <c>scripts/stack env</c> exports). Images made here are removed on dispose.
/// </summary>
public sealed class CephPool : IAsyncLifetime
{
    private readonly List<string> _images = [];
    private CephConnection? _ceph;

    public RbdVolumeBackend Backend { get; private set; } = null!;

    /// <summary>The connection behind <see cref="Backend"/>, for backends with other settings.</summary>
    public CephConnection Connection => _ceph ?? throw new InvalidOperationException("The fixture is not initialized.");

    public IoContext Io { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new CephOptions
        {
            User = Required("Ceph__User"), ConfFile = Required("Ceph__ConfFile"), Keyring = Required("Ceph__Keyring"),
            OperationTimeout = TimeSpan.FromSeconds(60),
        };
        _ceph = new CephConnection(Options.Create(options));
        Backend = new RbdVolumeBackend("ceph", "volumes", _ceph);
        Io = await Backend.IoAsync(CancellationToken.None);
    }

    /// <summary>A new volume image of <paramref name="size"/> bytes, removed when the fixture goes.</summary>
    public async Task<string> CreateAsync(long size)
    {
        string name = $"volume-{Guid.NewGuid()}";
        await Backend.CreateAsync(name, size, CancellationToken.None);
        _images.Add(name);
        return name;
    }

    /// <summary>Bytes RBD reports as used by an image, as <c>rbd du</c> does (object-map based).</summary>
    public static long UsedBytes(string image)
    {
        string json = Support.Processes.Run("rbd", "du", "--format", "json", $"volumes/{image}");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("images")[0].GetProperty("used_size").GetInt64();
    }

    public async Task DisposeAsync()
    {
        foreach (string image in _images) await Backend.DeleteAsync(image, CancellationToken.None);
        if (_ceph is not null) await _ceph.DisposeAsync();
    }

    public void Track(string image) => _images.Add(image);

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set; run eval \"$(scripts/stack env)\" first.");
}
