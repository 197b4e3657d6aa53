namespace BlockStore.Contracts;

public sealed record VolumeCreated(Guid VolumeId, string ProjectId, int SizeGb, string Backend, DateTime At);
