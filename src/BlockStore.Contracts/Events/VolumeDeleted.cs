namespace BlockStore.Contracts;

/// <summary>A volume is gone. <paramref name="UnmanagedAs"/>: it was unmanaged, and its data lives on under that name in its backend.</summary>
public sealed record VolumeDeleted(Guid VolumeId, string ProjectId, DateTime At, string? UnmanagedAs = null);
