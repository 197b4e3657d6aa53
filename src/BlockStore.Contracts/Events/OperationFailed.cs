namespace BlockStore.Contracts;

/// <summary>An asynchronous operation ended in an error status; <paramref name="UserMessage"/> is what the tenant sees.</summary>
public sealed record OperationFailed(
    Guid ResourceId, string ResourceType, string ProjectId, string Operation, string UserMessage, DateTime At);
