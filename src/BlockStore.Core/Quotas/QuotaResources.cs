namespace BlockStore.Core.Quotas;

/// <summary>The quota resources BlockStore knows, with Cinder's names and defaults.</summary>
public static class QuotaResources
{
    public const string Volumes = "volumes";
    public const string Gigabytes = "gigabytes";
    public const string Snapshots = "snapshots";
    public const string PerVolumeGigabytes = "per_volume_gigabytes";
    public const string Backups = "backups";
    public const string BackupGigabytes = "backup_gigabytes";
    public const string Groups = "groups";
    /// <summary>Images a project owns (Glance's <c>image_count_total</c>); not part of Cinder's quota sets.</summary>
    public const string Images = "images";

    /// <summary>
    /// Every resource a quota set shows and an admin may set. Groups do not exist in BlockStore, so nothing charges
    /// them; their limits are kept because clients read and set them.
    /// </summary>
    public static readonly IReadOnlyList<string> All =
        [Volumes, PerVolumeGigabytes, Snapshots, Gigabytes, Backups, BackupGigabytes, Groups];

    /// <summary>The resources also kept per volume type, in Cinder's order.</summary>
    public static readonly IReadOnlyList<string> PerType = [Volumes, Gigabytes, Snapshots];

    /// <summary>The prefixes of the per-type resources, in Cinder's order: <c>volumes_&lt;type&gt;</c> and so on.</summary>
    public static readonly IReadOnlyList<string> TypePrefixes = PerType.Select(r => r + "_").ToArray();

    /// <summary>The per-type resources of a volume type, as Cinder names them: <c>volumes_&lt;type&gt;</c> and so on.</summary>
    public static string[] OfType(string typeName) => TypePrefixes.Select(p => p + typeName).ToArray();

    /// <summary>
    /// The volume type a per-type resource names (<c>gigabytes_gold</c> → <c>gold</c>) with its project-wide resource
    /// (<c>gigabytes</c>), or null for any other key. Whether the type exists is the caller's to check.
    /// </summary>
    public static (string Resource, string TypeName)? TypeOf(string key)
    {
        foreach (var prefix in TypePrefixes)
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal))
                return (prefix[..^1], key[prefix.Length..]);
        return null;
    }

    /// <summary><see cref="All"/> with the per-type resources of <paramref name="typeNames"/>, in Cinder's order (before groups).</summary>
    public static IEnumerable<string> WithTypes(IEnumerable<string> typeNames) =>
        All.Take(All.Count - 1).Concat(typeNames.SelectMany(OfType)).Append(Groups);
}

/// <summary>Defaults for projects without their own limits (configuration section <c>Quotas</c>).</summary>
public sealed class QuotaOptions
{
    public int Volumes { get; set; } = 10;
    public int Gigabytes { get; set; } = 1000;
    public int Snapshots { get; set; } = 10;
    public int PerVolumeGigabytes { get; set; } = -1;
    public int Backups { get; set; } = 10;
    public int BackupGigabytes { get; set; } = 1000;
    public int Groups { get; set; } = 10;
    public int Images { get; set; } = 100;

    public int DefaultFor(string resource) => resource switch
    {
        QuotaResources.Volumes => Volumes,
        QuotaResources.Gigabytes => Gigabytes,
        QuotaResources.Snapshots => Snapshots,
        QuotaResources.PerVolumeGigabytes => PerVolumeGigabytes,
        QuotaResources.Backups => Backups,
        QuotaResources.BackupGigabytes => BackupGigabytes,
        QuotaResources.Groups => Groups,
        QuotaResources.Images => Images,
        _ => -1,
    };
}
