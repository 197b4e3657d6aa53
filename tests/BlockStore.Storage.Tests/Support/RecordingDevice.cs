using System.Collections.Concurrent;

namespace BlockStore.Storage.Tests.Support;

/// <summary>
/// Wraps a real device to watch what a copier does to it: records writes and counts reads, can slow
/// writes down, corrupt them or fail them, and checks in place when the device it wraps can.
/// </summary>
public sealed class RecordingDevice(IBlockDevice inner) : IBlockDevice, IInPlaceVerifiable
{
    private int _reads;

    public ConcurrentQueue<Extent> Writes { get; } = new();

    public int Reads => _reads;

    public TimeSpan WriteDelay { get; init; }

    /// <summary>Flips the lowest bit of the byte at this device offset whenever a write covers it.</summary>
    public long? CorruptAt { get; init; }

    public Exception? FailWritesWith { get; init; }

    public long Size => inner.Size;

    public bool CanVerifyInPlace => inner is IInPlaceVerifiable { CanVerifyInPlace: true };

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadAsync(offset, buffer, cancellationToken);
    }

    public ValueTask<Extent?> FindMismatchAsync(long offset, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default) =>
        ((IInPlaceVerifiable)inner).FindMismatchAsync(offset, expected, cancellationToken);

    public long DigestGranularity => inner is IInPlaceVerifiable verifiable ? verifiable.DigestGranularity : 0;

    public ValueTask<IReadOnlyList<PieceDigest>> DigestAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        ((IInPlaceVerifiable)inner).DigestAsync(offset, length, cancellationToken);

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (WriteDelay > TimeSpan.Zero)
        {
            await Task.Delay(WriteDelay, cancellationToken);
        }

        if (FailWritesWith is not null)
        {
            throw FailWritesWith;
        }

        Writes.Enqueue(new Extent(offset, data.Length));
        if (CorruptAt is { } at && at >= offset && at < offset + data.Length)
        {
            byte[] copy = data.ToArray();
            copy[at - offset] ^= 1;
            data = copy;
        }

        await inner.WriteAsync(offset, data, cancellationToken);
    }

    public ValueTask WriteZeroesAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        inner.WriteZeroesAsync(offset, length, cancellationToken);

    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        inner.DiscardAsync(offset, length, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public IAsyncEnumerable<Extent> GetAllocatedExtentsAsync(long from, CancellationToken cancellationToken = default) =>
        inner.GetAllocatedExtentsAsync(from, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
