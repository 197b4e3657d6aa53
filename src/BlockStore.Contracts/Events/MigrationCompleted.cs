namespace BlockStore.Contracts;

/// <summary>A volume now lives on <paramref name="Destination"/>; its copy on <paramref name="Source"/> is gone.</summary>
public sealed record MigrationCompleted(Guid VolumeId, string ProjectId, Guid JobId, string Source, string Destination, DateTime At);
