namespace BlockStore.Contracts;

/// <summary>One bounded step of the job that copies a volume (or one of its snapshots) into the backup store; each step sends the next.</summary>
public sealed record BackupVolume(Guid JobId, Guid BackupId);
