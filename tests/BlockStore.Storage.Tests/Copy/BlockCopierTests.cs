using BlockStore.Storage.Copy;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Copy;

public sealed class BlockCopierTests
{
    private const long GiB = 1L << 30;
    private const int MiB = 1 << 20;

    [Fact]
    public async Task A_copy_is_byte_for_byte_equal_to_its_source()
    {
        await using var fixture = new CopyFixture(
            100 * MiB + 12288,
            (0, 5000), (3 * MiB - 100, 200), (7 * MiB, 9 * MiB + 17), (64 * MiB + 4096, 4096), (100 * MiB, 12288));

        BlockCopyResult result = await new BlockCopier().CopyAsync(fixture.OpenSource(), fixture.OpenDestination());

        result.Completed.ShouldBeTrue();
        result.Checkpoint.ShouldBe(100 * MiB + 12288);
        FileFacts.Sha256(fixture.DestinationPath).ShouldBe(FileFacts.Sha256(fixture.SourcePath));
    }

    [Fact]
    public async Task A_sparse_1_GiB_source_copies_only_its_data_and_the_destination_stays_sparse()
    {
        (long, int)[] data = [.. Enumerable.Range(0, 12).Select(i => (i * 85L * MiB + i * 4096, 256 * 1024 + i * 4096))];
        await using var fixture = new CopyFixture(GiB, data);
        long dataBytes = data.Sum(d => (long)d.Item2);

        BlockCopyResult result = await new BlockCopier().CopyAsync(fixture.OpenSource(), fixture.OpenDestination());

        result.BytesRead.ShouldBe(dataBytes);
        result.BytesWritten.ShouldBe(dataBytes);
        result.BytesVerified.ShouldBe(dataBytes);
        result.Extents.ShouldBe(12);
        // The filesystem may add a block or two of its own extent tree.
        FileFacts.AllocatedBytes(fixture.DestinationPath).ShouldBeInRange(dataBytes, dataBytes + 16384);
        await fixture.ShouldBeEqualAsync();
    }

    [Fact]
    public async Task Blocks_of_zeroes_in_the_source_are_not_written_and_stay_holes()
    {
        await using var fixture = new CopyFixture(64 * MiB, (0, MiB), (10 * MiB, 3 * MiB));
        using (var source = File.OpenHandle(fixture.SourcePath, FileMode.Open, FileAccess.Write))
        {
            // Allocated but zero: a whole chunk, and blocks inside a chunk that has data too.
            RandomAccess.Write(source, new byte[4 * MiB], 20 * MiB);
            RandomAccess.Write(source, new byte[64 * 1024], 11 * MiB);
        }

        BlockCopyResult result = await new BlockCopier().CopyAsync(fixture.OpenSource(), fixture.OpenDestination());

        result.BytesSkippedAsZero.ShouldBe(4L * MiB + 64 * 1024);
        result.BytesWritten.ShouldBe(4L * MiB - 64 * 1024);
        FileFacts.AllocatedBytes(fixture.DestinationPath).ShouldBe(4L * MiB - 64 * 1024);
        await fixture.ShouldBeEqualAsync();
    }

    [Fact]
    public async Task A_copy_in_bounded_steps_resumes_at_each_checkpoint_without_rewriting_anything()
    {
        await using var fixture = new CopyFixture(256 * MiB, (MiB, 10 * MiB), (50 * MiB + 512, 7 * MiB), (200 * MiB, 20 * MiB));
        var destination = new RecordingDevice(fixture.OpenDestination());
        var copier = new BlockCopier(new BlockCopyOptions { MaxBytesPerStep = 6 * MiB });
        IBlockDevice source = fixture.OpenSource();

        long checkpoint = 0;
        int steps = 0;
        BlockCopyResult result;
        do
        {
            int before = destination.Writes.Count;
            result = await copier.CopyAsync(source, destination, checkpoint);
            result.BytesRead.ShouldBeLessThanOrEqualTo(6L * MiB + 4 * MiB, "a step stops issuing chunks once past its bound");
            destination.Writes.Skip(before).ShouldAllBe(w => w.Offset >= checkpoint && w.End <= result.Checkpoint);
            result.Checkpoint.ShouldBeGreaterThan(checkpoint);
            checkpoint = result.Checkpoint;
            steps++;
        }
        while (!result.Completed);

        steps.ShouldBeGreaterThanOrEqualTo(4);
        destination.Writes.Sum(w => w.Length).ShouldBe(37L * MiB + 4096, "no byte is written twice (the unaligned extent rounds out to 4 KiB blocks)");
        result.Progress.BytesCopied.ShouldBe(result.Progress.BytesTotal);
        await fixture.ShouldBeEqualAsync();
    }

    [Fact]
    public async Task Progress_checkpoints_only_move_forward_and_end_at_100_percent()
    {
        await using var fixture = new CopyFixture(128 * MiB, (0, 30 * MiB), (100 * MiB, 9 * MiB));
        var reports = new List<BlockCopyProgress>();
        var progress = new SynchronousProgress<BlockCopyProgress>(reports.Add);

        BlockCopyResult result = await new BlockCopier(new BlockCopyOptions { ChunkSize = MiB })
            .CopyAsync(fixture.OpenSource(), fixture.OpenDestination(), 0, progress);

        reports.Count.ShouldBe(39);
        reports.Select(r => r.Checkpoint).ShouldBeInOrder();
        reports.Select(r => r.BytesCopied).ShouldBeInOrder();
        reports.ShouldAllBe(r => r.BytesTotal == 39L * MiB);
        reports[^1].Percent.ShouldBe(100);
        result.Progress.Checkpoint.ShouldBe(128L * MiB);
    }

    [Fact]
    public async Task A_step_bounded_by_time_returns_a_checkpoint_part_way()
    {
        await using var fixture = new CopyFixture(64 * MiB, (0, 64 * MiB));
        var destination = new RecordingDevice(fixture.OpenDestination()) { WriteDelay = TimeSpan.FromMilliseconds(40) };
        var copier = new BlockCopier(new BlockCopyOptions { ChunkSize = MiB, MaxChunksInFlight = 2, MaxDurationPerStep = TimeSpan.FromMilliseconds(150) });

        BlockCopyResult result = await copier.CopyAsync(fixture.OpenSource(), destination);

        result.Completed.ShouldBeFalse();
        result.Checkpoint.ShouldBeInRange(MiB, 32L * MiB);
        result.Progress.BytesCopied.ShouldBe(result.Checkpoint);
    }

    [Fact]
    public async Task A_copy_limited_in_bytes_per_second_takes_as_long_as_its_data_needs_at_that_rate()
    {
        // 12 MiB of data in a 128 MiB source: the holes are not paced, the data is.
        await using var fixture = new CopyFixture(128 * MiB, (0, 4 * MiB), (64 * MiB, 4 * MiB), (124 * MiB, 4 * MiB));
        var copier = new BlockCopier(new BlockCopyOptions { ChunkSize = MiB, MaxBytesPerSecond = 16 * MiB });

        BlockCopyResult result = await copier.CopyAsync(fixture.OpenSource(), fixture.OpenDestination());

        // The last chunk is issued when 11 MiB are due: 11/16 s (less a timer tick); unpaced, this copy takes a few
        // milliseconds.
        result.Completed.ShouldBeTrue();
        result.Elapsed.ShouldBeInRange(TimeSpan.FromSeconds(11.0 / 16) - TimeSpan.FromMilliseconds(15), TimeSpan.FromSeconds(10));
        FileFacts.Sha256(fixture.DestinationPath).ShouldBe(FileFacts.Sha256(fixture.SourcePath));
        Should.Throw<ArgumentOutOfRangeException>(() => new BlockCopier(new BlockCopyOptions { MaxBytesPerSecond = 0 }));
    }

    [Fact]
    public async Task Cancelling_stops_the_copy_promptly()
    {
        await using var fixture = new CopyFixture(64 * MiB, (0, 64 * MiB));
        var destination = new RecordingDevice(fixture.OpenDestination()) { WriteDelay = TimeSpan.FromMilliseconds(500) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan cancelledAt = TimeSpan.MaxValue;
        cancel.Token.Register(() => cancelledAt = clock.Elapsed);

        await Should.ThrowAsync<OperationCanceledException>(
            () => new BlockCopier(new BlockCopyOptions { ChunkSize = MiB }).CopyAsync(fixture.OpenSource(), destination, 0, null, cancel.Token));

        // Uncancelled, this takes 64 writes × 500 ms / 8 in flight = 4 s; the margin is for a busy machine.
        (clock.Elapsed - cancelledAt).ShouldBeLessThan(TimeSpan.FromSeconds(1));
        destination.Writes.Count.ShouldBeLessThan(64);
    }

    [Fact]
    public async Task A_destination_that_corrupts_a_write_fails_verification_at_the_corrupted_byte()
    {
        await using var fixture = new CopyFixture(32 * MiB, (0, 32 * MiB));
        long corrupted = 13 * MiB + 777;
        var destination = new RecordingDevice(fixture.OpenDestination()) { CorruptAt = corrupted };

        var error = await Should.ThrowAsync<BlockVerificationException>(
            () => new BlockCopier().CopyAsync(fixture.OpenSource(), destination));

        error.Offset.ShouldBe(corrupted);
        error.Range.ShouldBe(new Extent(12 * MiB, 4 * MiB));
        error.Message.ShouldContain($"at byte {corrupted}");
    }

    [Fact]
    public async Task Verifying_a_faithful_copy_reads_only_the_source_data_and_writes_nothing()
    {
        (long, int)[] data = [(0, 8192), (7 * MiB, 9 * MiB), (64 * MiB + 4096, 4096)];
        await using var fixture = new CopyFixture(100 * MiB, data);
        await new BlockCopier().CopyAsync(fixture.OpenSource(), fixture.OpenDestination());
        var destination = new RecordingDevice(fixture.OpenDestination());

        BlockCopyResult result = await new BlockCopier().VerifyAsync(fixture.OpenSource(), destination);

        long dataBytes = data.Sum(d => (long)d.Item2);
        result.Completed.ShouldBeTrue();
        result.BytesRead.ShouldBe(dataBytes);
        result.BytesVerified.ShouldBe(dataBytes);
        result.BytesWritten.ShouldBe(0);
        destination.Writes.ShouldBeEmpty();
    }

    [Fact]
    public async Task Verifying_a_copy_finds_a_changed_byte()
    {
        await using var fixture = new CopyFixture(32 * MiB, (0, 32 * MiB));
        await new BlockCopier().CopyAsync(fixture.OpenSource(), fixture.OpenDestination());
        long changed = 13 * MiB + 777;
        using (var file = File.OpenHandle(fixture.DestinationPath, FileMode.Open, FileAccess.ReadWrite))
        {
            var one = new byte[1];
            RandomAccess.Read(file, one, changed);
            one[0] ^= 0x5A;
            RandomAccess.Write(file, one, changed);
        }

        var error = await Should.ThrowAsync<BlockVerificationException>(
            () => new BlockCopier().VerifyAsync(fixture.OpenSource(), fixture.OpenDestination()));

        error.Offset.ShouldBe(changed);
        error.Range.ShouldBe(new Extent(12 * MiB, 4 * MiB));
        error.Message.ShouldContain("checked");
    }

    [Fact]
    public async Task Verifying_a_copy_accepts_zeroes_but_not_data_where_the_source_has_a_hole()
    {
        await using var fixture = new CopyFixture(64 * MiB, (0, MiB), (40 * MiB, MiB));
        await new BlockCopier().CopyAsync(fixture.OpenSource(), fixture.OpenDestination());
        using (var file = File.OpenHandle(fixture.DestinationPath, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.Write(file, new byte[8192], 10 * MiB); // allocated, but zero: as good as a hole
        }

        await new BlockCopier().VerifyAsync(fixture.OpenSource(), fixture.OpenDestination());

        long stray = 20 * MiB + 4096;
        using (var file = File.OpenHandle(fixture.DestinationPath, FileMode.Open, FileAccess.Write))
        {
            byte[] data = new byte[4096];
            data.AsSpan(100).Fill(0xAB);
            RandomAccess.Write(file, data, stray);
        }

        var error = await Should.ThrowAsync<BlockVerificationException>(
            () => new BlockCopier().VerifyAsync(fixture.OpenSource(), fixture.OpenDestination()));

        error.Offset.ShouldBe(stray + 100);
        error.Range.ShouldBe(new Extent(stray, 4096));
    }

    [Fact]
    public async Task A_failing_destination_fails_the_copy_with_its_own_error()
    {
        await using var fixture = new CopyFixture(32 * MiB, (0, 32 * MiB));
        var destination = new RecordingDevice(fixture.OpenDestination()) { FailWritesWith = new IOException("disk on fire") };

        (await Should.ThrowAsync<IOException>(() => new BlockCopier().CopyAsync(fixture.OpenSource(), destination)))
            .Message.ShouldBe("disk on fire");
    }

    [Fact]
    public async Task A_destination_not_known_to_be_zero_has_its_old_data_overwritten_with_holes()
    {
        await using var fixture = new CopyFixture(48 * MiB, (5 * MiB, 2 * MiB), (30 * MiB, 100));
        FileFacts.WriteRandom(fixture.DestinationPath, 0, 48 * MiB, seed: 99);

        BlockCopyResult result = await new BlockCopier(new BlockCopyOptions { DestinationIsZeroed = false })
            .CopyAsync(fixture.OpenSource(), fixture.OpenDestination());

        await fixture.ShouldBeEqualAsync();
        result.BytesZeroed.ShouldBe(48L * MiB - result.BytesWritten);
        FileFacts.AllocatedBytes(fixture.DestinationPath).ShouldBe(FileFacts.AllocatedBytes(fixture.SourcePath));
    }

    [Fact]
    public async Task A_destination_smaller_than_the_source_is_refused()
    {
        await using var fixture = new CopyFixture(2 * MiB);
        await using var small = new CopyFixture(MiB);

        await Should.ThrowAsync<ArgumentException>(() => new BlockCopier().CopyAsync(fixture.OpenSource(), small.OpenDestination()));
    }

    /// <summary>Unlike <see cref="Progress{T}"/>, reports on the caller's thread, so a test sees them all at once.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
