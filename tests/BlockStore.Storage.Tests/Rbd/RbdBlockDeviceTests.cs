using BlockStore.Rbd;
using BlockStore.Storage.Copy;
using BlockStore.Storage.Rbd;
using BlockStore.Storage.Tests.Copy;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Rbd;

public sealed class RbdBlockDeviceTests(CephPool ceph) : IClassFixture<CephPool>
{
    private const int MiB = 1 << 20;
    private const int ObjectSize = 4 * MiB;

    [Fact]
    public async Task What_is_written_reads_back_also_across_object_boundaries_and_the_size_is_the_images()
    {
        string name = await ceph.CreateAsync(64 * MiB);
        await using var device = RbdBlockDevice.Open(ceph.Io, name, writable: true);
        byte[] data = FileFacts.RandomBytes(3 * MiB + 333, seed: 1);

        await device.WriteAsync(ObjectSize - 1000, data);
        await device.FlushAsync();

        device.Size.ShouldBe(64L * MiB);
        var back = new byte[data.Length];
        await device.ReadAsync(ObjectSize - 1000, back);
        back.ShouldBe(data);
    }

    [Fact]
    public async Task Allocated_extents_cover_the_data_and_skip_objects_never_written()
    {
        string name = await ceph.CreateAsync(256 * MiB);
        await using var device = RbdBlockDevice.Open(ceph.Io, name, writable: true);
        await device.WriteAsync(8L * MiB + 4096, FileFacts.RandomBytes(8192, seed: 2));
        await device.WriteAsync(100L * MiB, FileFacts.RandomBytes(ObjectSize + 10, seed: 3));

        List<Extent> extents = await device.GetAllocatedExtentsAsync(0).ToListAsync();

        extents.Sum(e => e.Length).ShouldBeLessThanOrEqualTo(3L * ObjectSize, "only written objects are reported");
        extents.ShouldContain(e => e.Offset <= 8L * MiB + 4096 && e.End >= 8L * MiB + 4096 + 8192);
        extents.ShouldContain(e => e.Offset <= 100L * MiB && e.End >= 100L * MiB + ObjectSize + 10);
        extents.ShouldAllBe(e => e.End <= 256L * MiB);
        (await device.GetAllocatedExtentsAsync(101L * MiB).ToListAsync()).First().Offset.ShouldBe(101L * MiB, "a start inside an extent clips it");
    }

    [Fact]
    public async Task A_clone_reports_and_reads_what_it_sees_through_its_parent()
    {
        string parent = await ceph.CreateAsync(32 * MiB);
        byte[] data = FileFacts.RandomBytes(MiB, seed: 4);
        await using (var device = RbdBlockDevice.Open(ceph.Io, parent, writable: true))
        {
            await device.WriteAsync(12L * MiB, data);
            await device.FlushAsync();
        }
        await ceph.Backend.CreateSnapshotAsync(parent, "base", CancellationToken.None);
        string child = $"volume-{Guid.NewGuid()}";
        await ceph.Backend.CloneAsync(parent, "base", child, 32 * MiB, CancellationToken.None);
        ceph.Track(child);

        await using var clone = RbdBlockDevice.Open(ceph.Io, child, writable: false);
        List<Extent> extents = await clone.GetAllocatedExtentsAsync(0).ToListAsync();
        var back = new byte[MiB];
        await clone.ReadAsync(12L * MiB, back);

        extents.ShouldContain(e => e.Offset <= 12L * MiB && e.End >= 13L * MiB);
        back.ShouldBe(data);
        await Should.ThrowAsync<InvalidOperationException>(async () => await clone.WriteAsync(0, new byte[512]));
    }

    [Fact]
    public async Task Written_zeroes_read_as_zero_and_ranges_outside_the_image_are_refused()
    {
        string name = await ceph.CreateAsync(16 * MiB);
        await using var device = RbdBlockDevice.Open(ceph.Io, name, writable: true);
        await device.WriteAsync(0, FileFacts.RandomBytes(2 * MiB, seed: 5));

        await device.WriteZeroesAsync(MiB, MiB);
        var back = new byte[MiB];
        await device.ReadAsync(MiB, back);

        back.ShouldAllBe(b => b == 0);
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await device.ReadAsync(16L * MiB - 10, new byte[20]));
    }

    [Fact]
    public async Task A_sparse_file_copied_to_rbd_and_back_is_equal_and_rbd_holds_only_its_data()
    {
        const long size = 512L * MiB;
        await using var files = new CopyFixture(size, (0, 5000), (100L * MiB + 7, 3 * MiB), (400L * MiB, MiB));
        string name = await ceph.CreateAsync(size);

        await using (var rbd = RbdBlockDevice.Open(ceph.Io, name, writable: true))
        {
            BlockCopyResult there = await new BlockCopier().CopyAsync(files.OpenSource(), rbd);
            there.Completed.ShouldBeTrue();
        }
        await using (var rbd = RbdBlockDevice.Open(ceph.Io, name, writable: false))
        {
            BlockCopyResult back = await new BlockCopier().CopyAsync(rbd, files.OpenDestination());
            back.Completed.ShouldBeTrue();
            back.BytesRead.ShouldBeLessThanOrEqualTo(4L * ObjectSize, "only the objects holding data are read");
        }

        await files.ShouldBeEqualAsync();
        CephPool.UsedBytes(name).ShouldBeLessThanOrEqualTo(4L * ObjectSize);
    }

    [Fact]
    public async Task Written_ranges_check_out_in_place_and_a_changed_byte_names_its_objects_share()
    {
        string name = await ceph.CreateAsync(32 * MiB);
        await using var device = RbdBlockDevice.Open(ceph.Io, name, writable: true);
        // Data from 8 KiB before the end of object 0 through most of object 2; zeroes from there to the end
        // of object 3, which is never written.
        long offset = ObjectSize - 8192;
        byte[] expected = new byte[3 * ObjectSize + 8192];
        FileFacts.RandomBytes(2 * ObjectSize + 100, seed: 6).CopyTo(expected, 0);
        await device.WriteAsync(offset, expected.AsMemory(0, 2 * ObjectSize + 100));

        device.CanVerifyInPlace.ShouldBeTrue();
        (await device.FindMismatchAsync(offset, expected)).ShouldBeNull();

        byte[] changed = (byte[])expected.Clone();
        changed[8192 + 5] ^= 0x10; // in object 1
        (await device.FindMismatchAsync(offset, changed)).ShouldBe(new Extent(ObjectSize, ObjectSize));

        byte[] pastTheObjectsEnd = (byte[])expected.Clone();
        pastTheObjectsEnd[2 * ObjectSize + 200] = 1; // object 2 stores its first 4 MiB - 8092 bytes; the rest reads as zero
        (await device.FindMismatchAsync(offset, pastTheObjectsEnd)).ShouldBe(new Extent(2L * ObjectSize, ObjectSize));

        byte[] inAMissingObject = (byte[])expected.Clone();
        inAMissingObject[^1] = 1; // object 3 does not exist
        (await device.FindMismatchAsync(offset, inAMissingObject)).ShouldBe(new Extent(3L * ObjectSize, ObjectSize));
    }

    [Fact]
    public async Task A_check_hashes_what_it_expects_before_it_returns_and_zeroes_stored_past_the_data_check_out()
    {
        string name = await ceph.CreateAsync(8 * MiB);
        await using var device = RbdBlockDevice.Open(ceph.Io, name, writable: true);
        // 100 bytes of data, then 64 KiB of zeroes written as data: the object stores more than the data's length.
        byte[] written = new byte[100 + 64 * 1024];
        FileFacts.RandomBytes(100, seed: 9).CopyTo(written, 0);
        await device.WriteAsync(0, written);
        (await device.DigestAsync(0, ObjectSize)).Single().Stored.ShouldBe(written.Length);

        byte[] expected = new byte[ObjectSize];
        written.CopyTo(expected, 0);
        ValueTask<Extent?> check = device.FindMismatchAsync(0, expected);
        Array.Fill(expected, (byte)0xff); // a copy reuses the buffer while the check runs
        (await check).ShouldBeNull();

        Array.Clear(expected);
        written.CopyTo(expected, 0);
        expected[200] = 1; // where the object stores a written zero
        (await device.FindMismatchAsync(0, expected)).ShouldBe(new Extent(0, ObjectSize));
        expected[200] = 0;
        expected[^1] = 1; // past what the object stores
        (await device.FindMismatchAsync(0, expected)).ShouldBe(new Extent(0, ObjectSize));
    }

    [Fact]
    public async Task A_snapshot_or_a_clone_is_not_checked_in_place()
    {
        string parent = await ceph.CreateAsync(8 * MiB);
        await ceph.Backend.CreateSnapshotAsync(parent, "base", CancellationToken.None);
        string child = $"volume-{Guid.NewGuid()}";
        await ceph.Backend.CloneAsync(parent, "base", child, 8 * MiB, CancellationToken.None);
        ceph.Track(child);

        await using var head = RbdBlockDevice.Open(ceph.Io, parent, writable: false);
        await using var snapshot = RbdBlockDevice.Open(ceph.Io, parent, writable: false, snapshot: "base");
        await using var clone = RbdBlockDevice.Open(ceph.Io, child, writable: true);

        head.CanVerifyInPlace.ShouldBeTrue();
        snapshot.CanVerifyInPlace.ShouldBeFalse();
        clone.CanVerifyInPlace.ShouldBeFalse();
        await Should.ThrowAsync<NotSupportedException>(async () => await clone.FindMismatchAsync(0, new byte[4096]));
    }

    [Fact]
    public async Task A_copy_onto_rbd_is_verified_in_place_without_reading_the_destination_back()
    {
        const long size = 64L * MiB;
        await using var files = new CopyFixture(size, (0, 5000), (10L * MiB + 7, 9 * MiB), (60L * MiB, MiB));
        string name = await ceph.CreateAsync(size);
        await using var rbd = RbdBlockDevice.Open(ceph.Io, name, writable: true);
        var watched = new RecordingDevice(rbd);

        BlockCopyResult result = await new BlockCopier().CopyAsync(files.OpenSource(), watched);

        result.Completed.ShouldBeTrue();
        result.BytesVerified.ShouldBe(result.BytesRead);
        watched.Reads.ShouldBe(0);
    }

    [Fact]
    public async Task A_deep_copy_checks_out_against_its_source_with_both_sides_hashing_in_place_and_a_changed_byte_names_its_object()
    {
        const long size = 64L * MiB;
        string source = await ceph.CreateAsync(size);
        byte[] far = FileFacts.RandomBytes(ObjectSize, seed: 8);
        await using (var device = RbdBlockDevice.Open(ceph.Io, source, writable: true))
        {
            await device.WriteAsync(0, FileFacts.RandomBytes(3 * MiB + 333, seed: 7));
            await device.WriteAsync(10L * ObjectSize, far);
        }

        string copy = $"volume-{Guid.NewGuid()}";
        ceph.Track(copy);
        using (var image = RbdImage.Open(ceph.Io, source, readOnly: true))
        {
            await image.DeepCopyAsync(ceph.Io, copy, new RbdImageOptions { Flatten = true });
        }

        await using (var from = new RecordingDevice(RbdBlockDevice.Open(ceph.Io, source, writable: false)))
        await using (var to = new RecordingDevice(RbdBlockDevice.Open(ceph.Io, copy, writable: false)))
        {
            BlockCopyResult result = await new BlockCopier().VerifyAsync(from, to);

            result.BytesVerified.ShouldBeGreaterThanOrEqualTo(3L * MiB + 333 + ObjectSize);
            result.BytesRead.ShouldBe(0);
            // Both sides hashed where they lie, so no data came through this process; and the copy has no data
            // where the source has none.
            from.Reads.ShouldBe(0);
            to.Reads.ShouldBe(0);
        }

        await using (var device = RbdBlockDevice.Open(ceph.Io, copy, writable: true))
        {
            await device.WriteAsync(10L * ObjectSize + 5, new[] { (byte)~far[5] });
        }

        await using var source2 = RbdBlockDevice.Open(ceph.Io, source, writable: false);
        await using var copy2 = RbdBlockDevice.Open(ceph.Io, copy, writable: false);
        var error = await Should.ThrowAsync<BlockVerificationException>(() => new BlockCopier().VerifyAsync(source2, copy2));

        error.Differs.ShouldBe(new Extent(10L * ObjectSize, ObjectSize));
    }

    [Fact]
    public async Task Objects_that_store_different_lengths_of_the_same_bytes_are_compared_by_reading_them()
    {
        const long size = 16L * MiB;
        byte[] data = FileFacts.RandomBytes(MiB, seed: 9);
        string longer = await ceph.CreateAsync(size), shorter = await ceph.CreateAsync(size);
        await using (var device = RbdBlockDevice.Open(ceph.Io, longer, writable: true))
        {
            await device.WriteAsync(0, data);
            await device.WriteAsync(MiB, new byte[MiB]); // zeroes written out: this object stores 2 MiB
        }

        await using (var device = RbdBlockDevice.Open(ceph.Io, shorter, writable: true))
        {
            await device.WriteAsync(0, data); // this one stores 1 MiB
        }

        await using var from = RbdBlockDevice.Open(ceph.Io, longer, writable: false);
        await using var to = RbdBlockDevice.Open(ceph.Io, shorter, writable: false);
        (await from.DigestAsync(0, ObjectSize)).Single().Stored.ShouldBe(2 * MiB);
        (await to.DigestAsync(0, ObjectSize)).Single().Stored.ShouldBe(MiB);

        BlockCopyResult result = await new BlockCopier().VerifyAsync(from, to);

        result.BytesRead.ShouldBe(2 * MiB); // what the source lists as data in that object, from both sides; the bytes are the same
    }

    [Fact]
    public async Task A_corrupted_last_chunk_fails_the_copy_every_time_however_its_check_and_the_drain_interleave()
    {
        // The last check to finish is the one that races the end of the copy: its mismatch must be recorded before
        // the copy counts its checks back in and reports success. Many rounds, so that an interleaving that loses it
        // shows (before the chunk held its check until its failure was recorded, two runs in three lost one).
        const long size = 16L * MiB;
        await using var files = new CopyFixture(size, (0, 16 * MiB));
        for (int round = 0; round < 20; round++)
        {
            string name = await ceph.CreateAsync(size);
            await using var rbd = RbdBlockDevice.Open(ceph.Io, name, writable: true);
            var watched = new RecordingDevice(rbd) { CorruptAt = size - 1 - round };

            var error = await Should.ThrowAsync<BlockVerificationException>(() => new BlockCopier().CopyAsync(files.OpenSource(), watched),
                $"round {round}");

            error.Differs.ShouldBe(new Extent(3L * ObjectSize, ObjectSize));
        }
    }

    [Fact]
    public async Task A_write_corrupted_on_its_way_to_rbd_fails_the_in_place_check_naming_its_object()
    {
        const long size = 32L * MiB;
        await using var files = new CopyFixture(size, (0, 32 * MiB));
        string name = await ceph.CreateAsync(size);
        await using var rbd = RbdBlockDevice.Open(ceph.Io, name, writable: true);
        long corrupted = 13L * MiB + 777;
        var watched = new RecordingDevice(rbd) { CorruptAt = corrupted };

        var error = await Should.ThrowAsync<BlockVerificationException>(() => new BlockCopier().CopyAsync(files.OpenSource(), watched));

        error.Differs.ShouldBe(new Extent(3L * ObjectSize, ObjectSize));
        error.Range.ShouldBe(new Extent(12L * MiB, 4 * MiB));
        error.Message.ShouldContain($"in [{3L * ObjectSize}, {4L * ObjectSize})");
        watched.Reads.ShouldBe(0);
    }
}
