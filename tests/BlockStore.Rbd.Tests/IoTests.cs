namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class IoTests(CephFixture ceph)
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public void Sync_write_read_discard_and_write_zeroes_round_trip()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage image = test.Open();
        byte[] data = RandomBytes(64 * 1024, seed: 1);

        image.Write(MiB, data);
        image.Write(5 * MiB, data);
        image.Flush();

        byte[] read = new byte[data.Length];
        image.Read(MiB, read).ShouldBe(data.Length);
        read.AsSpan().SequenceEqual(data).ShouldBeTrue();

        // librbd skips partial discards by default; discarding the whole first object drops it.
        image.Discard(0, 4 * MiB);
        image.Read(MiB, read);
        AllZero(read).ShouldBeTrue();

        image.WriteZeroes(5 * MiB + 16 * 1024, 16 * 1024);
        image.Read(5 * MiB, read);
        read.AsSpan(0, 16 * 1024).SequenceEqual(data.AsSpan(0, 16 * 1024)).ShouldBeTrue();
        AllZero(read.AsSpan(16 * 1024, 16 * 1024)).ShouldBeTrue();
        read.AsSpan(32 * 1024).SequenceEqual(data.AsSpan(32 * 1024)).ShouldBeTrue();
    }

    [Fact]
    public void Reading_at_the_end_returns_the_bytes_that_exist()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 1 * MiB);
        using RbdImage image = test.Open();

        image.Read(MiB - 512, new byte[4096]).ShouldBe(512);
    }

    [Fact]
    public async Task Async_write_read_discard_write_zeroes_and_flush_round_trip()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage image = test.Open();
        byte[] data = RandomBytes(128 * 1024, seed: 2);

        await image.WriteAsync(4 * MiB, data);
        await image.FlushAsync();

        byte[] read = new byte[data.Length];
        (await image.ReadAsync(4 * MiB, read)).ShouldBe(data.Length);
        read.AsSpan().SequenceEqual(data).ShouldBeTrue();

        await image.WriteZeroesAsync(4 * MiB + 64 * 1024, 32 * 1024);
        await image.FlushAsync();
        await image.ReadAsync(4 * MiB, read);
        read.AsSpan(0, 64 * 1024).SequenceEqual(data.AsSpan(0, 64 * 1024)).ShouldBeTrue();
        AllZero(read.AsSpan(64 * 1024, 32 * 1024)).ShouldBeTrue();
        read.AsSpan(96 * 1024).SequenceEqual(data.AsSpan(96 * 1024)).ShouldBeTrue();

        await image.DiscardAsync(4 * MiB, 4 * MiB);
        await image.ReadAsync(4 * MiB, read);
        AllZero(read).ShouldBeTrue();
    }

    [Fact]
    public async Task Async_errors_fault_the_task_with_the_mapped_exception()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 1 * MiB);
        using RbdImage image = test.Open(readOnly: true);

        RbdException ex = await Should.ThrowAsync<RbdException>(() => image.WriteAsync(0, new byte[4096]));

        ex.ErrorCode.ShouldBe(30); // EROFS
        ex.Operation.ShouldBe("rbd_aio_write2");
    }

    [Fact]
    public async Task A_cancelled_token_is_observed_before_submitting()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 1 * MiB);
        using RbdImage image = test.Open();

        await Should.ThrowAsync<OperationCanceledException>(() => image.WriteAsync(0, new byte[512], new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task A_thousand_concurrent_aio_writes_at_random_offsets_read_back_intact()
    {
        const int Writes = 1000;
        const int BlockSize = 4096;
        using TestImage test = ceph.CreateImage(ceph.Volumes, 64 * MiB);
        using RbdImage image = test.Open();
        var random = new Random(42);
        int[] blocks = Enumerable.Range(0, (int)(64 * MiB / BlockSize)).OrderBy(_ => random.Next()).Take(Writes).ToArray();
        byte[][] payloads = blocks.Select((_, i) => RandomBytes(BlockSize, seed: 1000 + i)).ToArray();

        await Task.WhenAll(blocks.Select((block, i) => image.WriteAsync((ulong)block * BlockSize, payloads[i])));
        await image.FlushAsync();

        byte[][] readBack = blocks.Select(_ => new byte[BlockSize]).ToArray();
        int[] lengths = await Task.WhenAll(blocks.Select((block, i) => image.ReadAsync((ulong)block * BlockSize, readBack[i])));

        lengths.ShouldAllBe(length => length == BlockSize);
        for (int i = 0; i < Writes; i++)
        {
            readBack[i].AsSpan().SequenceEqual(payloads[i]).ShouldBeTrue($"block {blocks[i]}");
        }

        // And through a second, independent handle.
        using RbdImage other = test.Open(readOnly: true);
        byte[] whole = new byte[64 * MiB];
        other.Read(0, whole).ShouldBe(whole.Length);
        for (int i = 0; i < Writes; i++)
        {
            whole.AsSpan(blocks[i] * BlockSize, BlockSize).SequenceEqual(payloads[i]).ShouldBeTrue($"block {blocks[i]}");
        }
    }

    [Fact]
    public async Task Zero_copy_aio_writes_from_reused_buffers_land_intact()
    {
        // The worker lets librbd send straight from the caller's buffer (rbd_disable_zero_copy_writes=false). Each
        // buffer here is refilled for the next write as soon as its task completes, so a write that librbd still
        // read from after completing would land with the next payload's bytes.
        const int Chunk = 4 << 20, Buffers = 4, Rounds = 4;
        var options = new RadosConnectOptions
        {
            User = ceph.User, ConfFile = ceph.ConfFile, Keyring = ceph.Keyring,
            Settings = new Dictionary<string, string> { ["rbd_disable_zero_copy_writes"] = "false", ["rbd_cache"] = "false" },
        };
        using var cluster = await RadosCluster.ConnectAsync(options);
        using IoContext io = cluster.OpenIoContext(CephFixture.VolumesPool);
        using TestImage test = ceph.CreateImage(io, (ulong)(Chunk * Buffers * Rounds));
        using RbdImage image = test.Open();
        byte[][] buffers = Enumerable.Range(0, Buffers).Select(_ => new byte[Chunk]).ToArray();

        await Task.WhenAll(Enumerable.Range(0, Buffers).Select(async b =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                new Random(round * Buffers + b).NextBytes(buffers[b]);
                await image.WriteAsync((ulong)((round * Buffers + b) * Chunk), buffers[b]);
            }
        }));
        await image.FlushAsync();

        byte[] back = new byte[Chunk];
        for (int n = 0; n < Buffers * Rounds; n++)
        {
            (await image.ReadAsync((ulong)(n * Chunk), back)).ShouldBe(Chunk);
            back.AsSpan().SequenceEqual(RandomBytes(Chunk, seed: n)).ShouldBeTrue($"chunk {n}");
        }
    }

    [Fact]
    public async Task Opening_at_a_snapshot_reads_the_old_data()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        byte[] before = RandomBytes(4096, seed: 3);
        byte[] after = RandomBytes(4096, seed: 4);
        using (RbdImage image = test.Open())
        {
            await image.WriteAsync(0, before);
            image.CreateSnapshot("s1");
            await image.WriteAsync(0, after);
        }

        using RbdImage atSnapshot = test.Open(snapshot: "s1");
        atSnapshot.IsReadOnly.ShouldBeTrue();
        atSnapshot.Snapshot.ShouldBe("s1");
        byte[] read = new byte[4096];
        await atSnapshot.ReadAsync(0, read);
        read.AsSpan().SequenceEqual(before).ShouldBeTrue();
        Should.Throw<RbdException>(() => atSnapshot.Write(0, after)).ErrorCode.ShouldBe(30);
    }

    internal static bool AllZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);

    internal static byte[] RandomBytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
