using BlockStore.Storage.Copy;
using BlockStore.Storage.Qcow2;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Qcow2;

public sealed class Qcow2ReaderTests : IDisposable
{
    private const int MiB = Qcow2Images.MiB;
    private readonly TempDirectory _temp = new();
    private readonly Qcow2Images _images;

    public Qcow2ReaderTests() => _images = new Qcow2Images(_temp);

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, int, bool> Layouts()
    {
        var layouts = new TheoryData<string, int, bool>();
        foreach (string compat in new[] { "0.10", "1.1" })
        {
            foreach (int clusterSize in new[] { 512, 4096, 65536, 2 * MiB })
            {
                layouts.Add(compat, clusterSize, false);
                layouts.Add(compat, clusterSize, true);
            }
        }

        return layouts;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task An_image_converts_to_the_same_bytes_as_qemu_img_and_keeps_its_holes(string compat, int clusterSize, bool compressed)
    {
        string image = _images.FromRaw(_images.RawWithScatteredData(), compat, clusterSize, compressed);

        await _images.ShouldConvertLikeQemuAsync(image);

        await using Qcow2Reader reader = await Qcow2Reader.OpenAsync(image);
        reader.Version.ShouldBe(compat == "0.10" ? 2 : 3);
        reader.ClusterSize.ShouldBe(clusterSize);
        reader.Format.ShouldBe("qcow2");
        reader.Size.ShouldBe((24 * MiB) + 3584);
        (await reader.GetAllocatedExtentsAsync(0).ToListAsync()).ShouldBe(Qemu.DataExtents(image));
    }

    [Fact]
    public async Task Zero_clusters_of_a_version_3_image_read_as_zeroes_and_are_holes()
    {
        string image = _images.Create("16M", "compat=1.1,cluster_size=65536");
        Qemu.Io(image, "write -P 0xab 0 4M", "write -z 1M 1M", "write -z -u 3M 64k", "write -P 0xcd 8M 64k");

        await _images.ShouldConvertLikeQemuAsync(image);

        await using Qcow2Reader reader = await Qcow2Reader.OpenAsync(image);
        (await reader.GetAllocatedExtentsAsync(0).ToListAsync())
            .ShouldBe([new Extent(0, MiB), new Extent(2 * MiB, MiB), new Extent((3 * MiB) + 65536, MiB - 65536), new Extent(8 * MiB, 65536)]);
    }

    [Fact]
    public async Task A_mostly_empty_image_copies_only_its_one_cluster()
    {
        string image = _images.Create("64M", "compat=1.1,cluster_size=65536");
        Qemu.Io(image, "write -P 0x5a 40M 4k");

        (string raw, BlockCopyResult result) = await _images.ConvertWithBlockStoreAsync(image);

        result.BytesRead.ShouldBe(65536);
        result.BytesWritten.ShouldBe(4096, "the zero part of the cluster stays a hole");
        FileFacts.AllocatedBytes(raw).ShouldBe(4096);
        await _images.ShouldConvertLikeQemuAsync(image);
    }

    [Fact]
    public async Task An_empty_image_has_no_extents_and_converts_to_a_hole()
    {
        string image = _images.Create("32M", "compat=0.10");

        (string raw, BlockCopyResult result) = await _images.ConvertWithBlockStoreAsync(image);

        result.Extents.ShouldBe(0);
        new FileInfo(raw).Length.ShouldBe(32 * MiB);
        FileFacts.AllocatedBytes(raw).ShouldBe(0);
    }

    [Fact]
    public async Task A_conversion_in_bounded_steps_gives_the_same_bytes()
    {
        string image = _images.FromRaw(_images.RawWithScatteredData(), "1.1", 65536, compressed: true);
        string expected = _images.ConvertWithQemu(image);

        (string actual, _) = await _images.ConvertWithBlockStoreAsync(image, new BlockCopyOptions { MaxBytesPerStep = MiB, ChunkSize = MiB });

        FileFacts.Sha256(actual).ShouldBe(FileFacts.Sha256(expected));
    }

    [Fact]
    public async Task Reads_at_any_offset_match_qemu_across_cluster_and_table_boundaries()
    {
        string image = _images.FromRaw(_images.RawWithScatteredData(), "1.1", 512, compressed: true);
        byte[] expected = await File.ReadAllBytesAsync(_images.ConvertWithQemu(image));
        await using Qcow2Reader reader = await Qcow2Reader.OpenAsync(image);
        var random = new Random(5);

        for (int i = 0; i < 200; i++)
        {
            int length = random.Next(1, 70_000);
            long offset = random.NextInt64(0, reader.Size - length);
            var actual = new byte[length];
            await reader.ReadAsync(offset, actual);
            actual.AsSpan().SequenceEqual(expected.AsSpan((int)offset, length)).ShouldBeTrue($"read of {length} bytes at {offset}");
        }
    }
}
