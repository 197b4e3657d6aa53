using System.Diagnostics;
using System.Runtime.CompilerServices;
using Xunit.Abstractions;

namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class LifetimeTests(CephFixture ceph, ITestOutputHelper output)
{
    private const ulong MiB = 1 << 20;
    private const long AllowedGrowth = 30L << 20;

    [Fact]
    public async Task Ten_thousand_open_close_cycles_do_not_grow_memory()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);

        await CyclesAsync(test, 500);
        long before = SettledRss();
        var watch = Stopwatch.StartNew();
        await CyclesAsync(test, 10_000);
        watch.Stop();
        long after = SettledRss();

        output.WriteLine($"10,000 open/close cycles in {watch.Elapsed.TotalSeconds:F1} s; RSS {Mb(before)} -> {Mb(after)} ({Mb(after - before)} growth)");
        (after - before).ShouldBeLessThan(AllowedGrowth);
    }

    [Fact]
    public async Task Ten_thousand_aio_completions_do_not_grow_memory()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 64 * MiB);
        using RbdImage image = test.Open();
        byte[] block = IoTests.RandomBytes(4096, seed: 9);

        await WritesAsync(image, block, 1_000);
        long before = SettledRss();
        var watch = Stopwatch.StartNew();
        await WritesAsync(image, block, 10_000);
        watch.Stop();
        long after = SettledRss();

        output.WriteLine($"10,000 AIO writes in {watch.Elapsed.TotalSeconds:F1} s; RSS {Mb(before)} -> {Mb(after)} ({Mb(after - before)} growth)");
        (after - before).ShouldBeLessThan(AllowedGrowth);
    }

    [Fact]
    public async Task Disposing_the_cluster_while_an_image_is_open_keeps_the_image_working()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        RadosCluster cluster = await RadosCluster.ConnectAsync(ceph.ConfFileOptions);
        IoContext io = cluster.OpenIoContext(CephFixture.VolumesPool);
        RbdImage image = RbdImage.Open(io, test.Name);

        cluster.Dispose();
        io.Dispose();

        Should.Throw<ObjectDisposedException>(() => cluster.OpenIoContext(CephFixture.VolumesPool));
        Should.Throw<ObjectDisposedException>(() => Rbd.List(io));
        byte[] data = IoTests.RandomBytes(4096, seed: 10);
        await image.WriteAsync(0, data);
        byte[] read = new byte[4096];
        await image.ReadAsync(0, read);
        read.AsSpan().SequenceEqual(data).ShouldBeTrue();
        using (RbdImage probe = test.Open(readOnly: true))
        {
            probe.ListWatchers().ShouldHaveSingleItem();
        }

        // Closing the image releases the connection underneath it as well.
        image.Dispose();

        Should.Throw<ObjectDisposedException>(() => image.GetSize());
        await Should.ThrowAsync<ObjectDisposedException>(() => image.ReadAsync(0, read));
        using RbdImage check = test.Open(readOnly: true);
        check.ListWatchers().ShouldBeEmpty();
    }

    [Fact]
    public async Task Disposing_an_image_with_requests_in_flight_lets_them_finish()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 16 * MiB);
        RbdImage image = test.Open();
        byte[] block = IoTests.RandomBytes(4096, seed: 11);
        Task[] writes = Enumerable.Range(0, 200).Select(i => image.WriteAsync((ulong)i * 4096, block)).ToArray();

        image.Dispose();

        await Task.WhenAll(writes);
        using RbdImage check = test.Open(readOnly: true);
        byte[] read = new byte[4096];
        check.Read(199 * 4096, read);
        read.AsSpan().SequenceEqual(block).ShouldBeTrue();
        for (int i = 0; i < 50 && check.ListWatchers().Count > 0; i++)
        {
            await Task.Delay(100); // the deferred rbd_close runs on the thread pool
        }

        check.ListWatchers().ShouldBeEmpty();
    }

    [Fact]
    public async Task Handles_can_be_disposed_in_any_order()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        int[][] orders = [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1]];
        foreach (int[] order in orders)
        {
            var cluster = await RadosCluster.ConnectAsync(ceph.ConfFileOptions);
            var io = cluster.OpenIoContext(CephFixture.VolumesPool);
            var image = RbdImage.Open(io, test.Name);
            IDisposable[] all = [cluster, io, image];
            foreach (int index in order)
            {
                all[index].Dispose();
                all[index].Dispose();
            }
        }

        using RbdImage check = test.Open(readOnly: true);
        check.ListWatchers().ShouldBeEmpty();
    }

    [Fact]
    public async Task Finalizers_close_abandoned_handles_without_crashing()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);

        await AbandonHandlesAsync(test.Name);
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        using RbdImage check = test.Open(readOnly: true);
        check.ListWatchers().ShouldBeEmpty();
        // The abandoned handles held no lock or watch, so the image can go.
        Rbd.Remove(ceph.Volumes, test.Name);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task AbandonHandlesAsync(string name)
    {
        RadosCluster cluster = await RadosCluster.ConnectAsync(ceph.ConfFileOptions);
        IoContext io = cluster.OpenIoContext(CephFixture.VolumesPool);
        RbdImage image = RbdImage.Open(io, name);
        await image.WriteAsync(0, new byte[4096]);
        RbdImage other = RbdImage.Open(ceph.Volumes, name, readOnly: true);
        _ = other.GetSize();
    }

    private static async Task CyclesAsync(TestImage test, int count)
    {
        // Workers in parallel keep the wall time down; each cycle is a handful of round trips. Every
        // tenth open is read-write, which also registers and removes a watch.
        const int Workers = 8;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() =>
        {
            for (int i = w; i < count; i += Workers)
            {
                using RbdImage image = test.Open(readOnly: i % 10 != 0);
                _ = image.GetSize();
            }
        })));
    }

    private static async Task WritesAsync(RbdImage image, byte[] block, int count)
    {
        const int QueueDepth = 64;
        var inFlight = new Queue<Task>();
        for (int i = 0; i < count; i++)
        {
            if (inFlight.Count == QueueDepth)
            {
                await inFlight.Dequeue();
            }

            inFlight.Enqueue(image.WriteAsync((ulong)(i % 16384) * 4096, block));
        }

        await Task.WhenAll(inFlight);
    }

    private static long SettledRss()
    {
        for (int i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024.0):F1} MiB";
}
