namespace BlockStore.Core.Snapshots;

/// <summary>Cinder's snapshot statuses, carried on the wire in snake_case.</summary>
public enum SnapshotStatus { Creating, Available, Deleting, Error, ErrorDeleting, BackingUp, Restoring, Unmanaging }
