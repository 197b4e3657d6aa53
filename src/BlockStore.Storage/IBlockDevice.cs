namespace BlockStore.Storage;

/// <summary>
/// A writable block device: a volume in a backend. Every range passed in must lie inside
/// <see cref="IBlockSource.Size"/>. It is safe to call concurrently on disjoint ranges.
/// </summary>
public interface IBlockDevice : IBlockSource
{
    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>. It is durable only after <see cref="FlushAsync"/>.</summary>
    /// <param name="offset">The first byte to write.</param>
    /// <param name="data">The bytes to write.</param>
    /// <param name="cancellationToken">Stops the write; the range then holds old or new bytes.</param>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a range read as zeroes, deallocating it where the backend can (a punched hole,
    /// <c>rbd_write_zeroes</c>).
    /// </summary>
    /// <param name="offset">The first byte of the range.</param>
    /// <param name="length">The number of bytes.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    ValueTask WriteZeroesAsync(long offset, long length, CancellationToken cancellationToken = default);

    /// <summary>
    /// Tells the backend the range is no longer needed so it can free the space. Unlike
    /// <see cref="WriteZeroesAsync"/>, what the range reads afterwards is not promised (RBD may keep
    /// partial objects), so use it only where the content does not matter.
    /// </summary>
    /// <param name="offset">The first byte of the range.</param>
    /// <param name="length">The number of bytes.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default);

    /// <summary>Makes every completed write durable.</summary>
    /// <param name="cancellationToken">Stops waiting; the flush may still complete.</param>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);
}
