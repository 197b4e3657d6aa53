namespace BlockStore.Worker.Reconciliation;

/// <summary>Configuration section <c>Reconciler</c>.</summary>
public sealed class ReconcilerOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>A transitional status older than this, with no progress, is re-driven.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>An operation still unfinished this long after it began is failed with a message.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromMinutes(20);
    /// <summary>
    /// A migration whose steps were taken up this many times in a row without writing progress (each delivery tries
    /// up to four times, and a stuck step is sent again after <see cref="StuckAfter"/>) is failed with a message.
    /// </summary>
    public int MigrationAttempts { get; set; } = 24;
}
