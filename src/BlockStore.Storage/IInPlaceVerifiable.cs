namespace BlockStore.Storage;

/// <summary>
/// A device that can check its own contents where they are stored: the storage hashes a range and sends back
/// only the hash, so checking a write costs no read of its data over the network and no buffer to read into.
/// RBD does it with an OSD-side XXH64 per object.
/// </summary>
public interface IInPlaceVerifiable
{
    /// <summary>
    /// Whether <see cref="FindMismatchAsync"/> works for this device. When false (an RBD snapshot, fancy
    /// striping, a separate data pool, a clone that reads through a parent), read the range back instead.
    /// </summary>
    bool CanVerifyInPlace { get; }

    /// <summary>
    /// Checks that the device holds exactly <paramref name="expected"/> at <paramref name="offset"/>. Writes to
    /// the range must have completed; whatever the device still caches is flushed first. <paramref name="expected"/>
    /// is read only until this returns its task, so the caller may reuse the buffer while the check runs.
    /// </summary>
    /// <param name="offset">The first byte of the range.</param>
    /// <param name="expected">What the range must hold.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>
    /// Null when the range matches; otherwise the smallest range the device can tell differs (one storage
    /// object's share of it, for RBD).
    /// </returns>
    ValueTask<Extent?> FindMismatchAsync(long offset, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default);

    /// <summary>
    /// The size of the pieces <see cref="DigestAsync"/> reports, aligned to multiples of it in the device (RBD: the
    /// object size). Two devices with the same granularity can be compared digest by digest.
    /// </summary>
    long DigestGranularity { get; }

    /// <summary>
    /// Hashes a range where it is stored and sends back only the digests, one per piece the range touches. Two devices
    /// of the same <see cref="DigestGranularity"/> hold the same bytes in a piece when both its numbers agree. Writes
    /// to the range must have completed.
    /// </summary>
    /// <param name="offset">The first byte of the range.</param>
    /// <param name="length">The number of bytes.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    ValueTask<IReadOnlyList<PieceDigest>> DigestAsync(long offset, long length, CancellationToken cancellationToken = default);
}
