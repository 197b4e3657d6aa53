namespace BlockStore.Contracts;

/// <summary>One bounded step of the job that moves a volume's data to another backend; each step sends the next.</summary>
public sealed record MigrateVolume(Guid JobId, Guid VolumeId);
