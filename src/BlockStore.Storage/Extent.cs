namespace BlockStore.Storage;

/// <summary>A byte range of a block device: <see cref="Length"/> bytes starting at <see cref="Offset"/>.</summary>
/// <param name="Offset">The first byte of the range.</param>
/// <param name="Length">The number of bytes in the range; never negative.</param>
public readonly record struct Extent(long Offset, long Length)
{
    /// <summary>The first byte after the range.</summary>
    public long End => Offset + Length;
}
