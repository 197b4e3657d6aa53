using System.Diagnostics;
using BlockStore.Storage.Copy;
using BlockStore.Storage.Qcow2;
using BlockStore.Storage.Tests.Support;
using Xunit.Abstractions;

namespace BlockStore.Storage.Tests.Qcow2;

/// <summary>Runs alone, so the allocation it measures is its own.</summary>
[CollectionDefinition(nameof(NotInParallel), DisableParallelization = true)]
public sealed class NotInParallel;

[Collection(nameof(NotInParallel))]
public sealed class Qcow2FuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int MutantsPerSeed = 1000;
    private const long MaxAllocationPerImage = 48L << 20;
    private static readonly TimeSpan TimeoutPerImage = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Thousands_of_mutated_images_either_convert_or_are_refused_with_a_qcow2_error_quickly_and_in_bounded_memory()
    {
        var images = new Qcow2Images(_temp);
        var copier = new BlockCopier(new BlockCopyOptions { ChunkSize = 1 << 20, MaxChunksInFlight = 4, Verify = false });
        string path = _temp.File("mutant.qcow2");
        int converted = 0, refused = 0;
        long worstAllocation = 0;
        TimeSpan worstTime = TimeSpan.Zero;
        var random = new Random(20240611);

        foreach (string seed in Seeds(images))
        {
            var mutator = new Qcow2Mutator(await File.ReadAllBytesAsync(seed));
            for (int i = 0; i < MutantsPerSeed; i++)
            {
                (byte[] mutant, string what) = mutator.Mutate(random);
                await File.WriteAllBytesAsync(path, mutant);
                long allocatedBefore = GC.GetTotalAllocatedBytes();
                var clock = Stopwatch.StartNew();
                try
                {
                    await ConvertAsync(path, copier).WaitAsync(TimeoutPerImage);
                    converted++;
                }
                catch (Qcow2FormatException)
                {
                    refused++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"{Path.GetFileName(seed)} with {what} failed with {e.GetType().Name} instead of a Qcow2FormatException: {e}");
                }

                worstTime = clock.Elapsed > worstTime ? clock.Elapsed : worstTime;
                long allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
                worstAllocation = Math.Max(worstAllocation, allocated);
                allocated.ShouldBeLessThan(MaxAllocationPerImage, $"{Path.GetFileName(seed)} with {what}");
            }
        }

        output.WriteLine($"{converted} converted, {refused} refused; worst: {worstTime.TotalMilliseconds:F0} ms, {worstAllocation >> 10} KiB allocated");
        refused.ShouldBeGreaterThan(converted / 4, "the mutations should hit something");
        converted.ShouldBeGreaterThan(0);
    }

    /// <summary>Reads everything a conversion would, into a sink; huge claimed disks only have their extents walked.</summary>
    private static async Task ConvertAsync(string path, BlockCopier copier)
    {
        await using Qcow2Reader reader = await Qcow2Reader.OpenAsync(path);
        if (reader.Size <= 64L << 20)
        {
            await copier.CopyAsync(reader, new NullDevice(reader.Size));
            return;
        }

        // The caller checks the virtual size against the volume before converting; still, the walk must be safe.
        var buffer = new byte[reader.ClusterSize];
        await foreach (Extent extent in reader.GetAllocatedExtentsAsync(0))
        {
            await reader.ReadAsync(extent.Offset, buffer.AsMemory(0, (int)Math.Min(buffer.Length, extent.Length)));
        }
    }

    private IEnumerable<string> Seeds(Qcow2Images images)
    {
        // Several L2 tables (512-byte clusters), version 3.
        string small = images.Create("1M", "compat=1.1,cluster_size=512", "seed-512.qcow2");
        Qemu.Io(small, "write -P 1 0 4k", "write -P 2 64k 512", "write -P 3 700k 10k");
        yield return small;

        // Compressed clusters with 4 KiB clusters, in both versions.
        string raw = _temp.File("seed.raw");
        FileFacts.CreateSparse(raw, 2 << 20);
        FileFacts.WriteRandom(raw, 4096, 20_000, seed: 7);
        using (var handle = File.OpenHandle(raw, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.Write(handle, Enumerable.Repeat((byte)0x61, 100_000).ToArray(), 1 << 20);
        }

        yield return images.FromRaw(raw, "0.10", 4096, compressed: true, "seed-v2-compressed.qcow2");
        yield return images.FromRaw(raw, "1.1", 4096, compressed: true, "seed-v3-compressed.qcow2");

        // Data and zero clusters with 64 KiB clusters.
        string zeroes = images.Create("2M", "compat=1.1,cluster_size=65536", "seed-zero.qcow2");
        Qemu.Io(zeroes, "write -P 4 0 512k", "write -z 128k 128k");
        yield return zeroes;
    }
}
