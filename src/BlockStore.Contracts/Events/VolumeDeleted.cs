namespace BlockStore.Contracts;

public sealed record VolumeDeleted(Guid VolumeId, string ProjectId, DateTime At);
