namespace BlockStore.Core.Outbox;

/// <summary>Configuration section <c>Outbox</c>.</summary>
public sealed class OutboxOptions
{
    /// <summary>Rows claimed and published per transaction.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>Fallback poll when no NOTIFY arrives (a lost notification, or a listener reconnecting).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
