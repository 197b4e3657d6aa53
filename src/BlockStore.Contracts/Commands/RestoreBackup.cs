namespace BlockStore.Contracts;

/// <summary>One bounded step of the job that writes a backup's data onto a volume in status <c>restoring-backup</c>; each step sends the next.</summary>
public sealed record RestoreBackup(Guid JobId, Guid BackupId);
