namespace BlockStore.Storage.Backends;

/// <summary>The configured backends by name, built once from configuration.</summary>
public sealed class VolumeBackends(IEnumerable<IVolumeBackend> backends)
{
    private readonly Dictionary<string, IVolumeBackend> _byName = backends.ToDictionary(b => b.Name, StringComparer.Ordinal);

    /// <summary>Every configured backend.</summary>
    public IReadOnlyCollection<IVolumeBackend> All => _byName.Values;

    /// <summary>The backend called <paramref name="name"/>.</summary>
    /// <exception cref="InvalidOperationException">No backend has that name.</exception>
    public IVolumeBackend Get(string name) =>
        _byName.TryGetValue(name, out var backend) ? backend : throw new InvalidOperationException($"Backend '{name}' is not configured.");
}
