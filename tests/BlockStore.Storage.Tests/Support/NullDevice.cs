namespace BlockStore.Storage.Tests.Support;

/// <summary>A device that forgets what is written to it: a sink for exercising a source at full speed.</summary>
public sealed class NullDevice(long size) : IBlockDevice
{
    public long Size => size;

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        buffer.Span.Clear();
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask WriteZeroesAsync(long offset, long length, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public IAsyncEnumerable<Extent> GetAllocatedExtentsAsync(long from, CancellationToken cancellationToken = default) =>
        AsyncEnumerable.Empty<Extent>();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
