namespace BlockStore.Core.Quotas;

/// <summary>The quota resources BlockStore enforces, with Cinder's names and defaults.</summary>
public static class QuotaResources
{
    public const string Volumes = "volumes";
    public const string Gigabytes = "gigabytes";
    public const string Snapshots = "snapshots";
    public const string PerVolumeGigabytes = "per_volume_gigabytes";

    public static readonly IReadOnlyList<string> All = [Volumes, Gigabytes, Snapshots, PerVolumeGigabytes];
}

/// <summary>Defaults for projects without their own limits (configuration section <c>Quotas</c>).</summary>
public sealed class QuotaOptions
{
    public int Volumes { get; set; } = 10;
    public int Gigabytes { get; set; } = 1000;
    public int Snapshots { get; set; } = 10;
    public int PerVolumeGigabytes { get; set; } = -1;

    public int DefaultFor(string resource) => resource switch
    {
        QuotaResources.Volumes => Volumes,
        QuotaResources.Gigabytes => Gigabytes,
        QuotaResources.Snapshots => Snapshots,
        QuotaResources.PerVolumeGigabytes => PerVolumeGigabytes,
        _ => -1,
    };
}
