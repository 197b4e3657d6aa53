using BlockStore.Rbd;

namespace BlockStore.Storage.Images;

/// <summary>
/// Streams raw bytes into an RBD image through a <see cref="ChunkPipeline"/>: all-zero blocks are skipped
/// so the image stays sparse, and the rest is written with librbd's async writes. The image grows as
/// the data arrives and is cut to the exact length at the end.
/// </summary>
internal sealed class RawImageWriter(RbdImage image, int chunkSize, int chunksInFlight, int zeroBlockSize)
{
    private readonly ChunkPipeline _pipeline = new(chunkSize, chunksInFlight);

    /// <summary>Copies <paramref name="input"/> to the image; returns the number of bytes it had.</summary>
    public async Task<long> WriteAsync(Stream input, long maxBytes, Action<ReadOnlyMemory<byte>> observe, CancellationToken cancellationToken)
    {
        long length = await _pipeline.RunAsync(input, maxBytes, observe, end => GrowToAsync(end, maxBytes),
            (offset, chunk) => WriteNonZeroAsync(offset, chunk, cancellationToken), cancellationToken).ConfigureAwait(false);
        image.Resize((ulong)length, allowShrink: true);
        await image.FlushAsync(cancellationToken).ConfigureAwait(false);
        return length;
    }

    /// <summary>Doubles the image when data passes its end; writes in flight are waited for first, so none straddles a resize.</summary>
    private async Task GrowToAsync(long end, long maxBytes)
    {
        ulong size = image.GetSize();
        if ((ulong)end <= size) return;
        await _pipeline.DrainAsync().ConfigureAwait(false);
        long grown = Math.Min(Math.Max(end, (long)Math.Min(size * 2, long.MaxValue / 2)), Math.Max(maxBytes, end));
        image.Resize((ulong)grown, allowShrink: false);
    }

    /// <summary>One write per run of non-zero blocks in the chunk.</summary>
    private Task WriteNonZeroAsync(long offset, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        List<Task>? writes = null;
        int runStart = -1;
        for (int at = 0; at < chunk.Length; at += zeroBlockSize)
        {
            bool zero = !chunk.Span.Slice(at, Math.Min(zeroBlockSize, chunk.Length - at)).ContainsAnyExcept((byte)0);
            if (!zero && runStart < 0) runStart = at;
            if (zero && runStart >= 0)
            {
                (writes ??= []).Add(image.WriteAsync((ulong)(offset + runStart), chunk[runStart..at], cancellationToken));
                runStart = -1;
            }
        }

        if (runStart >= 0) (writes ??= []).Add(image.WriteAsync((ulong)(offset + runStart), chunk[runStart..], cancellationToken));
        return writes is null ? Task.CompletedTask : Task.WhenAll(writes);
    }
}
