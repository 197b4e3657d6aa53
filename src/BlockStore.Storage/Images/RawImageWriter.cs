using System.Buffers;
using BlockStore.Rbd;

namespace BlockStore.Storage.Images;

/// <summary>
/// Streams raw bytes into an RBD image: whole chunks are read from the stream, every byte is shown to an
/// observer (the checksums), all-zero blocks are skipped so the image stays sparse, and the rest is
/// written with librbd's async writes, a bounded number of chunks in flight. The observer sees the chunks
/// in order, on the thread pool, while the next chunk is read: hashing is the costliest part of an upload. The image grows as the
/// data arrives and is cut to the exact length at the end.
/// </summary>
internal sealed class RawImageWriter(RbdImage image, int chunkSize, int chunksInFlight, int zeroBlockSize)
{
    private readonly Queue<(Task Write, byte[] Buffer)> _inFlight = new();
    private Task _observed = Task.CompletedTask;

    /// <summary>Copies <paramref name="input"/> to the image; returns the number of bytes it had.</summary>
    public async Task<long> WriteAsync(Stream input, long maxBytes, Action<ReadOnlyMemory<byte>> observe, CancellationToken cancellationToken)
    {
        long offset = 0;
        try
        {
            while (true)
            {
                byte[] buffer = _inFlight.Count < chunksInFlight ? ArrayPool<byte>.Shared.Rent(chunkSize) : await OldestDoneAsync().ConfigureAwait(false);
                int read = await input.ReadAtLeastAsync(buffer.AsMemory(0, chunkSize), chunkSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                if (offset + read > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw new ImageDataException($"The image data is larger than the limit of {maxBytes} bytes.", tooLarge: true);
                }

                var chunk = buffer.AsMemory(0, read);
                _observed = ObserveAfterAsync(_observed, observe, chunk);
                await GrowToAsync(offset + read, maxBytes).ConfigureAwait(false);
                // The buffer is reused only once both its write and its observation are done.
                _inFlight.Enqueue((Task.WhenAll(WriteNonZeroAsync(offset, chunk, cancellationToken), _observed), buffer));
                offset += read;
            }

            await DrainAsync().ConfigureAwait(false);
            image.Resize((ulong)offset, allowShrink: true);
            await image.FlushAsync(cancellationToken).ConfigureAwait(false);
            return offset;
        }
        finally
        {
            // Buffers are pinned by librbd until their writes complete, so they go back only after that.
            while (_inFlight.TryDequeue(out var pending))
            {
                try { await pending.Write.ConfigureAwait(false); }
                catch (Exception) { /* the first failure is already on its way out */ }
                ArrayPool<byte>.Shared.Return(pending.Buffer);
            }
        }
    }

    private static async Task ObserveAfterAsync(Task previous, Action<ReadOnlyMemory<byte>> observe, ReadOnlyMemory<byte> chunk)
    {
        await previous.ConfigureAwait(false);
        await Task.Run(() => observe(chunk)).ConfigureAwait(false);
    }

    private async Task<byte[]> OldestDoneAsync()
    {
        var (write, buffer) = _inFlight.Dequeue();
        try
        {
            await write.ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return buffer;
    }

    private async Task DrainAsync()
    {
        while (_inFlight.Count > 0) ArrayPool<byte>.Shared.Return(await OldestDoneAsync().ConfigureAwait(false));
    }

    /// <summary>Doubles the image when data passes its end; writes in flight are waited for first, so none straddles a resize.</summary>
    private async Task GrowToAsync(long end, long maxBytes)
    {
        ulong size = image.GetSize();
        if ((ulong)end <= size) return;
        await DrainAsync().ConfigureAwait(false);
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
