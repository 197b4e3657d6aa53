namespace BlockStore.Core.Outbox;

/// <summary>
/// A message waiting to be published. It is inserted in the same transaction as the change it
/// announces, and deleted by the dispatcher once the broker has confirmed it.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; private set; }
    /// <summary>
    /// The message's id on the bus, given when the row is written: a row published again (after a worker died between
    /// the broker's confirm and the row's delete) carries the same id, so that consumers can drop the duplicate.
    /// </summary>
    public Guid MessageId { get; private set; }
    /// <summary>Full CLR name of a record in BlockStore.Contracts; MassTransit routes by it.</summary>
    public string MessageType { get; private set; } = "";
    public string Body { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }

    public static OutboxMessage For(object message, string body, DateTime now) => new()
    {
        MessageId = Guid.CreateVersion7(),
        MessageType = message.GetType().FullName!,
        Body = body,
        CreatedAt = now,
    };
}
