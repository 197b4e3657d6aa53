namespace BlockStore.Contracts;

/// <summary>Every byte of backup <paramref name="BackupId"/> is written onto volume <paramref name="VolumeId"/>, which is <c>available</c>.</summary>
public sealed record BackupRestored(Guid BackupId, Guid VolumeId, string ProjectId, DateTime At);
