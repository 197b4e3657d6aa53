namespace BlockStore.Contracts;

/// <summary>Remove a backup in status <c>deleting</c> from the backup store, then its row.</summary>
public sealed record DeleteBackup(Guid BackupId);
