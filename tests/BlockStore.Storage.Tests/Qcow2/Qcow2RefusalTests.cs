using BlockStore.Storage.Qcow2;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Qcow2;

/// <summary>Valid images that use features BlockStore does not support are refused with a message a tenant can act on.</summary>
public sealed class Qcow2RefusalTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Qcow2Images _images;

    public Qcow2RefusalTests() => _images = new Qcow2Images(_temp);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_image_with_a_backing_file_is_refused_and_the_file_is_named()
    {
        _images.Create("1M", "compat=1.1", "base.qcow2");
        string overlay = _temp.File("overlay.qcow2");
        Qemu.Img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", overlay);

        (await RefusalOf(overlay)).ShouldContain("backing file ('base.qcow2')");
    }

    [Fact]
    public async Task An_encrypted_image_is_refused()
    {
        string image = _temp.File("encrypted.qcow2");
        Qemu.Img("create", "-q", "-f", "qcow2", "--object", "secret,id=sec0,data=secret", "-o", "encryption=on,encrypt.key-secret=sec0", image, "1M");

        (await RefusalOf(image)).ShouldContain("Encrypted qcow2 images (AES) are not supported");
    }

    [Fact]
    public async Task A_luks_encrypted_image_is_refused()
    {
        // qemu-img takes seconds to make a real LUKS image; the crypt_method field is all the reader looks at.
        string image = _images.Create("1M", "compat=1.1");
        Qcow2File.Load(image).SetU32(32, 2).Save(image);

        (await RefusalOf(image)).ShouldContain("Encrypted qcow2 images (LUKS) are not supported");
    }

    [Theory]
    [InlineData("data_file=data.raw", "keeps its data in a separate file")]
    [InlineData("extended_l2=on", "extended L2 entries (subclusters) are not supported")]
    [InlineData("compression_type=zstd", "compressed with zstd are not supported")]
    public async Task An_image_using_an_unsupported_feature_is_refused(string options, string message)
    {
        string image = _images.Create("1M", $"compat=1.1,{options}");

        (await RefusalOf(image)).ShouldContain(message);
    }

    [Fact]
    public async Task An_image_marked_corrupt_is_refused_with_the_repair_command()
    {
        string image = _images.Create("1M", "compat=1.1");
        Qcow2File.Load(image).SetU64(72, 1 << 1).Save(image);

        (await RefusalOf(image)).ShouldContain("qemu-img check -r all");
    }

    [Fact]
    public async Task An_unknown_incompatible_feature_is_refused()
    {
        string image = _images.Create("1M", "compat=1.1");
        Qcow2File.Load(image).SetU64(72, 1UL << 40).Save(image);

        (await RefusalOf(image)).ShouldContain("incompatible features that BlockStore does not know (feature bits 0x10000000000)");
    }

    [Fact]
    public async Task A_dirty_image_left_by_a_crash_is_read_like_qemu_reads_it()
    {
        string image = _images.Create("8M", "compat=1.1,lazy_refcounts=on");
        try
        {
            Qemu.Io(image, "write -P 0x11 1M 128k", "abort");
        }
        catch (InvalidOperationException)
        {
            // qemu-io aborted on purpose, leaving the dirty bit set.
        }

        (Qcow2File.Load(image).U64(72) & 1).ShouldBe(1UL, "the image should be dirty");
        await _images.ShouldConvertLikeQemuAsync(image);
    }

    [Fact]
    public async Task A_raw_file_is_not_mistaken_for_qcow2()
    {
        string raw = _temp.File("disk.raw");
        FileFacts.CreateSparse(raw, 1 << 20);

        (await RefusalOf(raw)).ShouldContain("not in qcow2 format");
    }

    [Fact]
    public async Task A_qcow_version_1_image_is_refused_by_version()
    {
        string image = _temp.File("old.qcow");
        Qemu.Img("create", "-q", "-f", "qcow", image, "1M");

        (await RefusalOf(image)).ShouldContain("qcow2 version 1 is not supported");
    }

    private static async Task<string> RefusalOf(string image)
    {
        var error = await Should.ThrowAsync<Qcow2FormatException>(async () =>
        {
            await using Qcow2Reader reader = await Qcow2Reader.OpenAsync(image);
            await reader.GetAllocatedExtentsAsync(0).ToListAsync();
        });
        return error.Message;
    }
}
