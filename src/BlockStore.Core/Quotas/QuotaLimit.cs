namespace BlockStore.Core.Quotas;

/// <summary>A project's own limit for one resource, set by an admin; absent means the default.</summary>
public sealed class QuotaLimit
{
    public string ProjectId { get; set; } = "";
    public string Resource { get; set; } = "";
    public int HardLimit { get; set; }
}

/// <summary>
/// Usage counter for one project and resource. It only changes inside the transaction that creates or
/// removes the counted row, under the row lock of an upsert, so it cannot drift from the rows.
/// </summary>
public sealed class QuotaUsage
{
    public string ProjectId { get; set; } = "";
    public string Resource { get; set; } = "";
    public long InUse { get; set; }
}
