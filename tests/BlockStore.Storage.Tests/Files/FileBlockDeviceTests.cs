using BlockStore.Storage.Files;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Files;

public sealed class FileBlockDeviceTests : IDisposable
{
    private const long GiB = 1L << 30;
    private const int MiB = 1 << 20;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_1_GiB_file_with_three_written_ranges_reports_exactly_those_extents()
    {
        string path = _temp.File("disk");
        FileFacts.CreateSparse(path, GiB);
        FileFacts.WriteRandom(path, 0, 4096, seed: 1);
        FileFacts.WriteRandom(path, 300 * MiB, 3 * MiB, seed: 2);
        FileFacts.WriteRandom(path, GiB - 8192, 8192, seed: 3);
        await using var device = FileBlockDevice.Open(path, writable: false);

        List<Extent> extents = await device.GetAllocatedExtentsAsync(0).ToListAsync();

        extents.ShouldBe([new Extent(0, 4096), new Extent(300 * MiB, 3 * MiB), new Extent(GiB - 8192, 8192)]);
    }

    [Fact]
    public async Task Extents_are_rounded_out_to_filesystem_blocks()
    {
        int block = FileFacts.BlockSize(_temp.Path);
        string path = _temp.File("disk");
        FileFacts.CreateSparse(path, 64 * MiB);
        FileFacts.WriteRandom(path, 10 * MiB + 100, 10, seed: 1);
        await using var device = FileBlockDevice.Open(path, writable: false);

        List<Extent> extents = await device.GetAllocatedExtentsAsync(0).ToListAsync();

        extents.ShouldBe([new Extent(10 * MiB, block)]);
    }

    [Fact]
    public async Task Extents_from_an_offset_skip_what_lies_before_and_clip_the_extent_it_falls_in()
    {
        string path = _temp.File("disk");
        FileFacts.CreateSparse(path, 64 * MiB);
        FileFacts.WriteRandom(path, 1 * MiB, MiB, seed: 1);
        FileFacts.WriteRandom(path, 8 * MiB, 2 * MiB, seed: 2);
        await using var device = FileBlockDevice.Open(path, writable: false);

        List<Extent> extents = await device.GetAllocatedExtentsAsync(9 * MiB).ToListAsync();

        extents.ShouldBe([new Extent(9 * MiB, MiB)]);
        (await device.GetAllocatedExtentsAsync(64 * MiB).ToListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task With_direct_io_aligned_transfers_bypass_the_page_cache_and_read_back_intact()
    {
        var (path, data) = SparseFileAndAlignedData(seed: 11);
        await using var device = FileBlockDevice.Open(path, writable: true, directIo: true);
        device.UsesDirectIo.ShouldBeTrue();

        await device.WriteAsync(4 * MiB, data);
        Memory<byte> back = PageCache.AlignedBuffer(8 * MiB);
        await device.ReadAsync(4 * MiB, back);

        PageCache.CachedBytes(path).ShouldBe(0, "an aligned write and read-back went through O_DIRECT");
        back.Span.SequenceEqual(data.Span).ShouldBeTrue();
        await device.FlushAsync();
        File.ReadAllBytes(path).AsSpan(4 * MiB, 8 * MiB).SequenceEqual(data.Span).ShouldBeTrue("an ordinary read sees the direct write");
    }

    [Fact]
    public async Task Without_direct_io_the_same_write_goes_through_the_page_cache()
    {
        var (path, data) = SparseFileAndAlignedData(seed: 12);
        await using var device = FileBlockDevice.Open(path, writable: true);

        await device.WriteAsync(4 * MiB, data);

        device.UsesDirectIo.ShouldBeFalse();
        PageCache.CachedBytes(path).ShouldBeGreaterThanOrEqualTo(8L * MiB);
    }

    /// <summary>A 16 MiB sparse file, and 8 MiB of random bytes in a page-aligned buffer.</summary>
    private (string Path, Memory<byte> Data) SparseFileAndAlignedData(int seed)
    {
        string path = _temp.File("disk");
        FileFacts.CreateSparse(path, 16 * MiB);
        Memory<byte> data = PageCache.AlignedBuffer(8 * MiB);
        FileFacts.RandomBytes(8 * MiB, seed).CopyTo(data);
        return (path, data);
    }

    [Fact]
    public async Task With_direct_io_unaligned_transfers_go_through_the_page_cache_and_stay_coherent_with_direct_ones()
    {
        string path = _temp.File("disk");
        FileFacts.CreateSparse(path, 8 * MiB);
        await using var device = FileBlockDevice.Open(path, writable: true, directIo: true);
        byte[] odd = FileFacts.RandomBytes(12345, seed: 13);
        Memory<byte> block = PageCache.AlignedBuffer(MiB);

        await device.WriteAsync(MiB + 7, odd);          // buffered: offset and length unaligned
        await device.ReadAsync(MiB, block);             // direct: must see the buffered write
        block.Span.Slice(7, odd.Length).SequenceEqual(odd).ShouldBeTrue();

        FileFacts.RandomBytes(MiB, seed: 14).CopyTo(block);
        await device.WriteAsync(2 * MiB, block);        // direct
        var back = new byte[MiB + 10];
        await device.ReadAsync(2 * MiB - 5, back);      // buffered: must see the direct write
        back.AsSpan(5, MiB).SequenceEqual(block.Span).ShouldBeTrue();
    }

    [Fact]
    public async Task Writes_read_back_at_unaligned_offsets()
    {
        string path = _temp.File("disk");
        FileFacts.CreateSparse(path, 8 * MiB);
        byte[] data = FileFacts.RandomBytes(12345, seed: 7);
        await using var device = FileBlockDevice.Open(path, writable: true);

        await device.WriteAsync(1_000_001, data);
        var back = new byte[data.Length + 2];
        await device.ReadAsync(1_000_000, back);

        back[0].ShouldBe((byte)0);
        back[1..^1].ShouldBe(data);
        back[^1].ShouldBe((byte)0);
    }

    [Fact]
    public async Task Writing_zeroes_punches_a_hole_that_reads_as_zeroes()
    {
        string path = _temp.File("disk");
        FileFacts.CreateSparse(path, 16 * MiB);
        FileFacts.WriteRandom(path, 0, 8 * MiB, seed: 1);
        await using var device = FileBlockDevice.Open(path, writable: true);

        await device.WriteZeroesAsync(2 * MiB, 4 * MiB);

        FileFacts.AllocatedBytes(path).ShouldBe(4L * MiB);
        var back = new byte[4 * MiB];
        await device.ReadAsync(2 * MiB, back);
        back.ShouldAllBe(b => b == 0);
        (await device.GetAllocatedExtentsAsync(0).ToListAsync())
            .ShouldBe([new Extent(0, 2 * MiB), new Extent(6 * MiB, 2 * MiB)]);
        device.Size.ShouldBe(16L * MiB);
    }

    [Fact]
    public async Task Io_past_the_end_is_refused()
    {
        string path = _temp.File("disk");
        FileFacts.CreateSparse(path, MiB);
        await using var device = FileBlockDevice.Open(path, writable: true);

        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await device.ReadAsync(MiB - 10, new byte[11]));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await device.WriteAsync(MiB, new byte[1]));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await device.WriteZeroesAsync(0, MiB + 1));
        new FileInfo(path).Length.ShouldBe(MiB);
    }
}
