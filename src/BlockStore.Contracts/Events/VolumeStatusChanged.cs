namespace BlockStore.Contracts;

public sealed record VolumeStatusChanged(Guid VolumeId, string ProjectId, string? OldStatus, string NewStatus, DateTime At);
