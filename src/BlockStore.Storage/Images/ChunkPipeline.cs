using System.Buffers;

namespace BlockStore.Storage.Images;

/// <summary>
/// Reads a stream in whole chunks and hands each to a sink (an RBD image, a spool file), with a bounded
/// number of chunks in flight. An observer (the checksums) sees every chunk, in order, on the thread
/// pool while the next chunk is read and earlier ones are written: hashing is the costliest part of an
/// upload, and it should not wait for I/O nor I/O for it.
/// </summary>
internal sealed class ChunkPipeline(int chunkSize, int chunksInFlight)
{
    private readonly Queue<(Task Done, byte[] Buffer)> _inFlight = new();
    private Task _observed = Task.CompletedTask;

    /// <summary>Copies <paramref name="input"/> to the sink; returns the number of bytes it had.</summary>
    /// <param name="input">The upload.</param>
    /// <param name="maxBytes">More than this many bytes ends in a too-large <see cref="ImageDataException"/>.</param>
    /// <param name="observe">Sees every chunk, in order.</param>
    /// <param name="beforeChunk">Called with the end offset of each chunk before it is written; may wait (<see cref="DrainAsync"/>) or refuse.</param>
    /// <param name="write">Writes one chunk at its offset.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    public async Task<long> RunAsync(Stream input, long maxBytes, Action<ReadOnlyMemory<byte>> observe, Func<long, Task> beforeChunk,
        Func<long, ReadOnlyMemory<byte>, Task> write, CancellationToken cancellationToken)
    {
        long offset = 0;
        try
        {
            while (true)
            {
                byte[] buffer = _inFlight.Count < chunksInFlight ? ArrayPool<byte>.Shared.Rent(chunkSize) : await OldestDoneAsync().ConfigureAwait(false);
                int read = await input.ReadAtLeastAsync(buffer.AsMemory(0, chunkSize), chunkSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read == 0 || offset + read > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    if (read == 0) break;
                    throw new ImageDataException($"The image data is larger than the limit of {maxBytes} bytes.", tooLarge: true);
                }

                var chunk = buffer.AsMemory(0, read);
                try
                {
                    await beforeChunk(offset + read).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }

                _observed = ObserveAfterAsync(_observed, observe, chunk);
                // The buffer is reused only once both its write and its observation are done.
                _inFlight.Enqueue((Task.WhenAll(write(offset, chunk), _observed), buffer));
                offset += read;
            }

            await DrainAsync().ConfigureAwait(false);
            return offset;
        }
        finally
        {
            // Buffers are pinned by librbd (or the kernel) until their writes complete, so they go back only after that.
            while (_inFlight.TryDequeue(out var pending))
            {
                try { await pending.Done.ConfigureAwait(false); }
                catch (Exception) { /* the first failure is already on its way out */ }
                ArrayPool<byte>.Shared.Return(pending.Buffer);
            }
        }
    }

    /// <summary>Waits for every chunk in flight, e.g. before the sink is resized.</summary>
    public async Task DrainAsync()
    {
        while (_inFlight.Count > 0) ArrayPool<byte>.Shared.Return(await OldestDoneAsync().ConfigureAwait(false));
    }

    private static async Task ObserveAfterAsync(Task previous, Action<ReadOnlyMemory<byte>> observe, ReadOnlyMemory<byte> chunk)
    {
        await previous.ConfigureAwait(false);
        await Task.Run(() => observe(chunk)).ConfigureAwait(false);
    }

    private async Task<byte[]> OldestDoneAsync()
    {
        var (done, buffer) = _inFlight.Dequeue();
        try
        {
            await done.ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return buffer;
    }
}
