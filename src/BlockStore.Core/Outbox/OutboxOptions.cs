namespace BlockStore.Core.Outbox;

/// <summary>Configuration section <c>Outbox</c>.</summary>
public sealed class OutboxOptions
{
    /// <summary>Rows claimed and published per transaction.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>Fallback poll when no NOTIFY arrives (a lost notification, or a listener reconnecting).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a batch may wait for the broker's confirms. Past it the batch is rolled back and published again
    /// (at-least-once). RabbitMQ.Client 7.2 can leave a publish waiting for ever for a confirm lost in a broker
    /// restart; without this bound such a publish would hold its rows locked, and their messages back, for good.
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
