namespace BlockStore.Core.Metadata;

/// <summary>A resource with Cinder's free-form string metadata (volumes, snapshots).</summary>
public interface IHasMetadata
{
    Dictionary<string, string> Metadata { get; }

    /// <summary>Merge the given pairs in, or replace the whole set with them.</summary>
    void SetMetadata(IDictionary<string, string> metadata, bool replace, DateTime now);

    /// <summary>False when the key was not there.</summary>
    bool RemoveMetadataKey(string key, DateTime now);
}

/// <summary>
/// String maps kept in one jsonb column. Every change makes a new instance, so that EF Core sees the
/// column change without a deep comparison of the old one.
/// </summary>
public static class StringMap
{
    public static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> current, IEnumerable<KeyValuePair<string, string>> changes,
        bool replace = false)
    {
        var next = replace ? new Dictionary<string, string>() : new Dictionary<string, string>(current);
        foreach (var (k, v) in changes) next[k] = v;
        return next;
    }

    public static Dictionary<string, string>? Without(IReadOnlyDictionary<string, string> current, string key) =>
        current.ContainsKey(key) ? current.Where(p => p.Key != key).ToDictionary(p => p.Key, p => p.Value) : null;
}
