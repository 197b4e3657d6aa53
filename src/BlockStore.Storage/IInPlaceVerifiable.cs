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
    /// the range must have completed; whatever the device still caches is flushed first.
    /// </summary>
    /// <param name="offset">The first byte of the range.</param>
    /// <param name="expected">What the range must hold.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>
    /// Null when the range matches; otherwise the smallest range the device can tell differs (one storage
    /// object's share of it, for RBD).
    /// </returns>
    ValueTask<Extent?> FindMismatchAsync(long offset, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default);
}
