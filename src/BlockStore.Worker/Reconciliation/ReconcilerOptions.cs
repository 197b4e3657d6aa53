namespace BlockStore.Worker.Reconciliation;

/// <summary>Configuration section <c>Reconciler</c>.</summary>
public sealed class ReconcilerOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>A transitional status older than this, with no progress, is re-driven.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>An operation still unfinished this long after it began is failed with a message.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromMinutes(20);
}
