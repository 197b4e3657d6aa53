namespace BlockStore.Core.Volumes;

/// <summary>Cinder's <c>migration_status</c> values; null on the wire means no migration ever ran.</summary>
public enum MigrationStatus { Starting, Migrating, Completing, Success, Error }
