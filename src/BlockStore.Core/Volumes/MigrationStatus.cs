namespace BlockStore.Core.Volumes;

/// <summary>Cinder's <c>migration_status</c> values; null on the wire means no migration ever ran.</summary>
public enum MigrationStatus { Starting, Migrating, Completing, Success, Error }

public static class MigrationStatuses
{
    /// <summary>A migration has started and not yet succeeded or failed.</summary>
    public static bool IsRunning(this MigrationStatus? status) =>
        status is MigrationStatus.Starting or MigrationStatus.Migrating or MigrationStatus.Completing;
}
