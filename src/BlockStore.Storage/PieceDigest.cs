namespace BlockStore.Storage;

/// <summary>
/// What a device's storage says of one piece of a range without sending its bytes (<see cref="IInPlaceVerifiable.DigestAsync"/>):
/// how many of the piece's leading bytes it stores, and their XXH64; the rest of the piece reads as zeroes.
/// </summary>
/// <param name="Range">The piece, in device offsets.</param>
/// <param name="Stored">Bytes of the piece the storage holds, from its start; 0 when it holds none.</param>
/// <param name="Hash">The XXH64 (seed 0) of those bytes; 0 when there are none.</param>
public readonly record struct PieceDigest(Extent Range, long Stored, ulong Hash);
