using System.IO.Compression;
using BlockStore.Storage.Qcow2;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Qcow2;

/// <summary>Damaged or hostile images end in a <see cref="Qcow2FormatException"/> that says what is wrong.</summary>
public sealed class Qcow2DamagedImageTests : IDisposable
{
    private const int Cluster = 65536;
    private readonly TempDirectory _temp = new();
    private readonly Qcow2Images _images;

    public Qcow2DamagedImageTests() => _images = new Qcow2Images(_temp);

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("header", "its header is cut short")]
    [InlineData("version 3 header", "its version 3 header is cut short")]
    [InlineData("L1 table", "its L1 table (at 196608, 1 entries) lies past the end of the file")]
    [InlineData("L2 table", "the L2 table for guest offset 0 lies past the end of the file")]
    [InlineData("data", "the data for guest offset 0 lies past the end of the file")]
    public async Task A_truncated_image_is_refused_as_incomplete(string cutIn, string message)
    {
        Qcow2File image = Plain();
        long dataOffset = (long)(image.U64(image.FirstUsedL2EntryOffset) & 0x00ff_ffff_ffff_fe00);
        long cut = cutIn switch
        {
            "header" => 50,
            "version 3 header" => 90,
            "L1 table" => image.L1Offset + 4,
            "L2 table" => image.FirstL2Offset + 100,
            _ => dataOffset,
        };

        string error = await RefusalOf(image.Truncate(cut));

        error.ShouldContain("The qcow2 image is incomplete");
        error.ShouldContain(message);
    }

    [Theory]
    [InlineData(8u)]
    [InlineData(22u)]
    [InlineData(0xFFFFFFFFu)]
    public async Task A_cluster_size_qcow2_does_not_allow_is_refused(uint clusterBits) =>
        (await RefusalOf(Plain().SetU32(20, clusterBits))).ShouldContain("cluster size");

    [Fact]
    public async Task An_absurd_L1_table_is_refused_before_anything_is_allocated() =>
        (await RefusalOf(Plain().SetU32(36, 0xFFFFFFFF))).ShouldContain("larger than the 32 MiB qcow2 allows");

    [Theory]
    [InlineData(1UL << 40, "cannot map its virtual size")]
    [InlineData(ulong.MaxValue - 511, "impossibly large")]
    [InlineData((1UL << 20) + 1, "not a whole number of 512-byte sectors")]
    public async Task A_virtual_size_the_tables_do_not_back_is_refused(ulong size, string message) =>
        (await RefusalOf(Plain().SetU64(24, size))).ShouldContain(message);

    [Fact]
    public async Task An_L2_table_inside_the_L1_table_is_refused()
    {
        Qcow2File image = Plain();
        (await RefusalOf(image.SetU64(image.L1Offset, (ulong)image.L1Offset))).ShouldContain("overlaps the header or the L1 table");
    }

    [Fact]
    public async Task An_L2_table_pointing_into_the_header_is_refused()
    {
        Qcow2File image = Plain();
        (await RefusalOf(image.SetU64(image.L1Offset, 0x200))).ShouldContain("not a cluster boundary");
    }

    [Fact]
    public async Task Two_L1_entries_sharing_one_L2_table_are_refused()
    {
        string path = _images.Create("1M", "compat=1.1,cluster_size=512", "small.qcow2");
        Qemu.Io(path, "write -P 1 0 512", "write -P 2 64k 512");
        Qcow2File image = Qcow2File.Load(path);
        image.L1Entry(2).ShouldNotBe(0UL);

        (await RefusalOf(image.SetU64(image.L1Offset + 16, image.L1Entry(0)))).ShouldContain("share the L2 table");
    }

    [Fact]
    public async Task Data_past_the_end_of_the_file_is_refused()
    {
        Qcow2File image = Plain();
        (await RefusalOf(image.SetU64(image.FirstUsedL2EntryOffset, (1UL << 63) | (1UL << 40))))
            .ShouldContain("the data for guest offset 0 lies past the end of the file");
    }

    [Fact]
    public async Task Data_that_is_not_cluster_aligned_is_refused()
    {
        Qcow2File image = Plain();
        (await RefusalOf(image.SetU64(image.FirstUsedL2EntryOffset, image.U64(image.FirstUsedL2EntryOffset) + 512)))
            .ShouldContain("not a cluster boundary");
    }

    [Fact]
    public async Task A_zero_cluster_in_a_version_2_image_is_refused()
    {
        Qcow2File image = Plain("0.10");
        (await RefusalOf(image.SetU64(image.FirstUsedL2EntryOffset, image.U64(image.FirstUsedL2EntryOffset) | 1)))
            .ShouldContain("marked zero, which version 2 images cannot do");
    }

    [Fact]
    public async Task A_compressed_cluster_that_is_not_deflate_data_is_refused()
    {
        Qcow2File image = Compressed(out long data, out _);
        image.Bytes.AsSpan((int)data, 64).Fill(0xff);

        (await RefusalOf(image)).ShouldContain("is not valid deflate data");
    }

    [Theory]
    [InlineData(2 * Cluster, "holds more than a cluster")]
    [InlineData(Cluster / 2, "less than a cluster")]
    public async Task A_compressed_cluster_of_the_wrong_size_is_refused(int inflatedLength, string message)
    {
        Qcow2File image = Compressed(out long data, out int room);
        byte[] deflated = Deflate(new byte[inflatedLength]);
        deflated.Length.ShouldBeLessThan(room);
        deflated.CopyTo(image.Bytes, data);

        (await RefusalOf(image)).ShouldContain(message);
    }

    [Fact]
    public async Task A_compressed_cluster_past_the_end_of_the_file_is_refused()
    {
        Qcow2File image = Compressed(out _, out _);
        (await RefusalOf(image.SetU64(image.FirstUsedL2EntryOffset, (1UL << 62) | (1UL << 40))))
            .ShouldContain("lies outside the file");
    }

    [Fact]
    public async Task A_header_length_that_is_not_a_multiple_of_8_is_refused() =>
        (await RefusalOf(Plain().SetU32(100, 105))).ShouldContain("header length");

    /// <summary>A 4 MiB version 3 (or 2) image with 64 KiB clusters and 1 MiB of data at the start.</summary>
    private Qcow2File Plain(string compat = "1.1")
    {
        string path = _images.Create("4M", $"compat={compat},cluster_size={Cluster}", $"plain-{compat}.qcow2");
        Qemu.Io(path, "write -P 0x42 0 1M");
        return Qcow2File.Load(path);
    }

    /// <summary>An image whose first cluster is compressed; where its deflate data starts, and how much room it has.</summary>
    private Qcow2File Compressed(out long data, out int room)
    {
        string raw = _temp.File("compressible.raw");
        FileFacts.CreateSparse(raw, 4 << 20);
        FileFacts.WriteRandom(raw, 0, 4096, seed: 1); // mostly zero, so it compresses well but not to nothing
        Qcow2File image = Qcow2File.Load(_images.FromRaw(raw, "1.1", Cluster, compressed: true, "compressed.qcow2"));
        ulong entry = image.U64(image.FirstUsedL2EntryOffset);
        int offsetBits = 62 - (image.ClusterBits - 8);
        data = (long)(entry & ((1UL << offsetBits) - 1));
        room = (int)((((entry >> offsetBits) & ((1UL << (image.ClusterBits - 8)) - 1)) + 1) * 512) - (int)(data & 511);
        return image;
    }

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>Opens the image and reads all of it; returns the refusal's message.</summary>
    private async Task<string> RefusalOf(Qcow2File image)
    {
        string path = image.Save(_temp.File($"damaged-{Guid.NewGuid():N}.qcow2"));
        var error = await Should.ThrowAsync<Qcow2FormatException>(async () =>
        {
            await using Qcow2Reader reader = await Qcow2Reader.OpenAsync(path);
            await reader.GetAllocatedExtentsAsync(0).ToListAsync();
            var buffer = new byte[1 << 20];
            for (long at = 0; at < reader.Size; at += buffer.Length)
            {
                await reader.ReadAsync(at, buffer.AsMemory(0, (int)Math.Min(buffer.Length, reader.Size - at)));
            }
        });
        return error.Message;
    }
}
