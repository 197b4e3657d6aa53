using BlockStore.Storage.Files;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Copy;

/// <summary>A source file with data at known places, and a fresh destination of the same size.</summary>
public sealed class CopyFixture : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly List<IBlockDevice> _opened = [];

    public CopyFixture(long size, params (long Offset, int Length)[] data)
    {
        SourcePath = _temp.File("source");
        DestinationPath = _temp.File("destination");
        FileFacts.CreateSparse(SourcePath, size);
        FileFacts.CreateSparse(DestinationPath, size);
        int seed = 0;
        foreach ((long offset, int length) in data)
        {
            FileFacts.WriteRandom(SourcePath, offset, length, ++seed);
        }
    }

    public string SourcePath { get; }

    public string DestinationPath { get; }

    public IBlockDevice OpenSource() => Track(FileBlockDevice.Open(SourcePath, writable: false));

    public IBlockDevice OpenDestination() => Track(FileBlockDevice.Open(DestinationPath, writable: true));

    /// <summary>
    /// Asserts the destination holds the source's bytes. Only the ranges where either file has data are
    /// compared; elsewhere both are holes. Reading a GiB of holes would fill the page cache with zero
    /// pages and cost seconds.
    /// </summary>
    public async Task ShouldBeEqualAsync()
    {
        await using var source = FileBlockDevice.Open(SourcePath, writable: false);
        await using var destination = FileBlockDevice.Open(DestinationPath, writable: false);
        destination.Size.ShouldBe(source.Size);
        List<Extent> data = [.. await source.GetAllocatedExtentsAsync(0).ToListAsync(), .. await destination.GetAllocatedExtentsAsync(0).ToListAsync()];
        foreach (Extent extent in data)
        {
            for (long at = extent.Offset; at < extent.End; at += 4 << 20)
            {
                int length = (int)Math.Min(4 << 20, extent.End - at);
                var expected = new byte[length];
                var actual = new byte[length];
                await source.ReadAsync(at, expected);
                await destination.ReadAsync(at, actual);
                int same = actual.AsSpan().CommonPrefixLength(expected);
                same.ShouldBe(length, $"the destination differs from the source at byte {at + same}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IBlockDevice device in _opened)
        {
            await device.DisposeAsync();
        }

        _temp.Dispose();
    }

    private IBlockDevice Track(IBlockDevice device)
    {
        _opened.Add(device);
        return device;
    }
}
