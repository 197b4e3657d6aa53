namespace BlockStore.Contracts;

/// <summary>
/// Let the storage of a volume in status <c>unmanaging</c> go (<c>os-unmanage</c>): rename it out of BlockStore's
/// names, keeping its data, and remove the row. Adopting storage (<c>os-volume-manage</c>) is a <see cref="CreateVolume"/>
/// of a volume that names the storage it manages.
/// </summary>
public sealed record UnmanageVolume(Guid VolumeId);
