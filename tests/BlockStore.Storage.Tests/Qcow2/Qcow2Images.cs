using BlockStore.Storage.Copy;
using BlockStore.Storage.Files;
using BlockStore.Storage.Qcow2;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Qcow2;

/// <summary>Makes qcow2 images with qemu, and converts them to raw both ways.</summary>
public sealed class Qcow2Images(TempDirectory temp)
{
    public const int MiB = 1 << 20;

    /// <summary>
    /// A raw disk of 24 MiB and a bit (so the last cluster is partial for large clusters) with random data
    /// at scattered, partly unaligned places and one compressible run.
    /// </summary>
    public string RawWithScatteredData(string name = "source.raw")
    {
        string path = temp.File(name);
        FileFacts.CreateSparse(path, (24 * MiB) + 3584);
        FileFacts.WriteRandom(path, 0, 64 * 1024, seed: 1);
        FileFacts.WriteRandom(path, MiB + 512, 100 * 1024, seed: 2);
        FileFacts.WriteRandom(path, 9 * MiB, 3 * MiB, seed: 3);
        FileFacts.WriteRandom(path, (24 * MiB) + 3584 - 4096, 4096, seed: 4);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        RandomAccess.Write(handle, Enumerable.Repeat((byte)0xab, MiB).ToArray(), 16 * MiB);
        return path;
    }

    public string FromRaw(string raw, string compat, int clusterSize, bool compressed, string name = "image.qcow2")
    {
        string path = temp.File(name);
        Qemu.Img([
            "convert", "-f", "raw", "-O", "qcow2", "-o", $"compat={compat},cluster_size={clusterSize}",
            .. compressed ? new[] { "-c" } : [], raw, path,
        ]);
        return path;
    }

    public string Create(string size, string options, string name = "image.qcow2")
    {
        string path = temp.File(name);
        Qemu.Img("create", "-q", "-f", "qcow2", "-o", options, path, size);
        return path;
    }

    /// <summary>What qemu says the guest disk holds.</summary>
    public string ConvertWithQemu(string image)
    {
        string path = temp.File(Path.GetFileName(image) + ".qemu.raw");
        Qemu.Img("convert", "-f", "qcow2", "-O", "raw", image, path);
        return path;
    }

    /// <summary>What BlockStore makes of it: the reader streamed onto a fresh sparse file by the block copier.</summary>
    public async Task<(string Path, BlockCopyResult Result)> ConvertWithBlockStoreAsync(string image, BlockCopyOptions? options = null)
    {
        string path = temp.File($"{Path.GetFileName(image)}.{Guid.NewGuid():N}.ours.raw");
        await using Qcow2Reader reader = await Qcow2Reader.OpenAsync(image);
        FileFacts.CreateSparse(path, reader.Size);
        await using var destination = FileBlockDevice.Open(path, writable: true);
        var copier = new BlockCopier(options);
        BlockCopyResult result;
        long checkpoint = 0;
        do
        {
            result = await copier.CopyAsync(reader, destination, checkpoint);
            checkpoint = result.Checkpoint;
        }
        while (!result.Completed);

        return (path, result);
    }

    public async Task ShouldConvertLikeQemuAsync(string image)
    {
        string expected = ConvertWithQemu(image);
        (string actual, _) = await ConvertWithBlockStoreAsync(image);
        new FileInfo(actual).Length.ShouldBe(new FileInfo(expected).Length);
        FileFacts.Sha256(actual).ShouldBe(FileFacts.Sha256(expected), $"{image} converted by BlockStore differs from qemu-img's conversion");
    }
}
