namespace BlockStore.Storage;

/// <summary>
/// A readable, fixed-size run of bytes that knows where its data is: a volume, a snapshot, or a
/// guest image seen through a format reader. It is safe to call concurrently.
/// </summary>
public interface IBlockSource : IAsyncDisposable
{
    /// <summary>The size in bytes.</summary>
    long Size { get; }

    /// <summary>
    /// Fills <paramref name="buffer"/> with the bytes at <paramref name="offset"/>. The whole range must lie
    /// inside <see cref="Size"/>; a read never returns short.
    /// </summary>
    /// <param name="offset">The first byte to read.</param>
    /// <param name="buffer">The destination; its length is the number of bytes read.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the ranges that may hold data, in ascending order, starting at <paramref name="from"/>.
    /// </summary>
    /// <remarks>
    /// Extents are non-empty, do not overlap, lie inside [<paramref name="from"/>, <see cref="Size"/>), and
    /// an extent that starts before <paramref name="from"/> is clipped to it. They may be conservative
    /// (an extent may read as zeroes, as a whole RBD object or filesystem block does), but every byte
    /// outside them reads as zero. Implementations may compute them lazily, window by window
    /// (<c>rbd_diff_iterate2</c> over a bounded range, <c>SEEK_DATA</c>/<c>SEEK_HOLE</c>), so a copy that
    /// resumes at a checkpoint does not walk what lies before it.
    /// </remarks>
    /// <param name="from">The offset to start at, between 0 and <see cref="Size"/>.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    IAsyncEnumerable<Extent> GetAllocatedExtentsAsync(long from, CancellationToken cancellationToken = default);
}
