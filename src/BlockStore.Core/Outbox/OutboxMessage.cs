namespace BlockStore.Core.Outbox;

/// <summary>
/// A message waiting to be published. It is inserted in the same transaction as the change it
/// announces, and deleted by the dispatcher once the broker has confirmed it.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; private set; }
    /// <summary>Full CLR name of a record in BlockStore.Contracts; MassTransit routes by it.</summary>
    public string MessageType { get; private set; } = "";
    public string Body { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }

    public static OutboxMessage For(object message, string body, DateTime now) => new()
    {
        MessageType = message.GetType().FullName!,
        Body = body,
        CreatedAt = now,
    };
}
