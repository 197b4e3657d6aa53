namespace BlockStore.Core.Volumes;

/// <summary>One configured backend (<c>Backends:&lt;name&gt;</c>).</summary>
public sealed class BackendConfig
{
    /// <summary><c>rbd</c> or <c>file</c>.</summary>
    public string Driver { get; set; } = "rbd";
    /// <summary>rbd: the pool that holds the volumes.</summary>
    public string? Pool { get; set; }
    /// <summary>file: the directory that holds the sparse volume files.</summary>
    public string? Path { get; set; }
}

/// <summary>Configuration root for backends: <c>Backends</c>, plus <c>Volumes:DefaultBackend</c> and <c>Volumes:Host</c>.</summary>
public sealed class BackendCatalog
{
    public Dictionary<string, BackendConfig> Backends { get; set; } = new(StringComparer.Ordinal);
    public string DefaultBackend { get; set; } = "ceph";
    /// <summary>The host part of Cinder's <c>host@backend#pool</c>.</summary>
    public string Host { get; set; } = Environment.MachineName;

    public bool Exists(string name) => Backends.ContainsKey(name);

    public BackendConfig Get(string name) =>
        Backends.TryGetValue(name, out var b) ? b : throw new InvalidOperationException($"Backend '{name}' is not configured.");

    /// <summary>Cinder's <c>os-vol-host-attr:host</c>: <c>host@backend#pool</c>.</summary>
    public string HostOf(string backend) =>
        $"{Host}@{backend}#{(Backends.TryGetValue(backend, out var b) ? b.Pool ?? b.Driver : backend)}";
}
