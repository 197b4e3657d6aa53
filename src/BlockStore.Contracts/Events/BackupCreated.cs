namespace BlockStore.Contracts;

/// <summary>A backup of <paramref name="VolumeId"/> is whole in the backup store, checked, and <c>available</c>.</summary>
public sealed record BackupCreated(Guid BackupId, Guid VolumeId, string ProjectId, int SizeGb, DateTime At);
