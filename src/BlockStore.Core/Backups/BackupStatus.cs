namespace BlockStore.Core.Backups;

/// <summary>Cinder's backup statuses (stored and shown in snake_case).</summary>
public enum BackupStatus { Creating, Available, Deleting, Error, ErrorDeleting, Restoring }
