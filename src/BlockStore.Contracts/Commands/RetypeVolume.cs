namespace BlockStore.Contracts;

/// <summary>
/// Make the storage of a volume in status <c>retyping</c> match the type it was retyped to in place: shared by several
/// hosts for a multiattach type, or for one writer again.
/// </summary>
public sealed record RetypeVolume(Guid VolumeId);
