namespace BlockStore.Core.Messages;

/// <summary>
/// What a tenant reads when an asynchronous operation failed (Cinder's messages API, 3.3). Written by
/// the worker in the same transaction that sets the error status.
/// </summary>
public sealed class UserMessage
{
    private UserMessage() { }

    public Guid Id { get; private set; }
    public string ProjectId { get; private set; } = "";
    public string ResourceType { get; private set; } = "";
    public Guid? ResourceUuid { get; private set; }
    /// <summary>Cinder-style event id, e.g. <c>VOLUME_000002</c>.</summary>
    public string EventId { get; private set; } = "";
    public string Message { get; private set; } = "";
    public string Level { get; private set; } = "ERROR";
    public string? RequestId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime GuaranteedUntil { get; private set; }

    public static UserMessage Error(string projectId, string resourceType, Guid resourceUuid, string eventId, string message,
        string? requestId, DateTime now, TimeSpan keep) => new()
        {
            Id = Guid.CreateVersion7(now),
            ProjectId = projectId,
            ResourceType = resourceType,
            ResourceUuid = resourceUuid,
            EventId = eventId,
            Message = message,
            RequestId = requestId,
            CreatedAt = now,
            GuaranteedUntil = now + keep,
        };
}
