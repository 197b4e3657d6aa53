namespace BlockStore.Contracts;

/// <summary>A backup's data is gone from the backup store, and its row with it.</summary>
public sealed record BackupDeleted(Guid BackupId, Guid VolumeId, string ProjectId, DateTime At);
