using System.IO.Hashing;

namespace BlockStore.Rbd.Tests;

/// <summary>OSD-side hashing of an image's data objects, checked against XXH64 computed here.</summary>
[Collection(CephCollection.Name)]
public sealed class ChecksumTests(CephFixture ceph)
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public void The_data_layout_names_the_objects_that_hold_the_data()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage image = test.Open();

        RbdDataLayout layout = image.GetDataLayout();

        layout.BlockNamePrefix.ShouldBe($"rbd_data.{image.GetId()}");
        layout.ObjectSize.ShouldBe(4 * MiB);
        layout.IsLinear.ShouldBeTrue();
        layout.DataPoolId.ShouldBe(ceph.Volumes.PoolId);
        layout.ObjectName(1).ShouldBe($"rbd_data.{image.GetId()}.0000000000000001");
    }

    [Fact]
    public void Fancy_striping_is_not_linear()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB, new RbdImageOptions
        {
            Features = RbdFeatures.Layering | RbdFeatures.StripingV2,
            StripeUnit = 64 * 1024,
            StripeCount = 4,
        });
        using RbdImage image = test.Open();

        RbdDataLayout layout = image.GetDataLayout();

        layout.StripeUnit.ShouldBe(64UL * 1024);
        layout.StripeCount.ShouldBe(4UL);
        layout.IsLinear.ShouldBeFalse();
    }

    [Fact]
    public async Task The_osd_hash_of_written_data_equals_xxhash64_computed_here()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage image = test.Open();
        byte[] data = IoTests.RandomBytes(1 << 20, seed: 7);
        // Object 1, from 4 MiB + 64 KiB on; the first 64 KiB of that object stay a hole.
        image.Write(4 * MiB + 65536, data);
        image.Flush();
        RbdDataLayout layout = image.GetDataLayout();
        string objectName = layout.ObjectName(1);

        RadosChecksum whole = await ceph.Volumes.ChecksumXxHash64Async(objectName, 65536, (ulong)data.Length);
        RadosChecksum seeded = await ceph.Volumes.ChecksumXxHash64Async(objectName, 65536, (ulong)data.Length, seed: 42);
        RadosChecksum part = await ceph.Volumes.ChecksumXxHash64Async(objectName, 65536 + 4096, 8192);
        RadosChecksum withHole = await ceph.Volumes.ChecksumXxHash64Async(objectName, 0, 65536 + (ulong)data.Length);

        whole.ShouldBe(new RadosChecksum(XxHash64.HashToUInt64(data), (ulong)data.Length, 65536 + (ulong)data.Length));
        seeded.Hash.ShouldBe(XxHash64.HashToUInt64(data, seed: 42));
        part.Hash.ShouldBe(XxHash64.HashToUInt64(data.AsSpan(4096, 8192)));
        part.HashedLength.ShouldBe(8192UL);
        byte[] expected = new byte[65536 + data.Length];
        data.CopyTo(expected, 65536);
        withHole.Hash.ShouldBe(XxHash64.HashToUInt64(expected));
    }

    [Fact]
    public async Task A_range_past_the_objects_end_is_trimmed_and_a_missing_object_is_not_found()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage image = test.Open();
        image.Write(0, new byte[] { 1, 2, 3, 4 });
        image.Flush();
        RbdDataLayout layout = image.GetDataLayout();

        RadosChecksum past = await ceph.Volumes.ChecksumXxHash64Async(layout.ObjectName(0), 0, 4096);
        RadosChecksum beyond = await ceph.Volumes.ChecksumXxHash64Async(layout.ObjectName(0), 8192, 4096);

        past.ShouldBe(new RadosChecksum(XxHash64.HashToUInt64(new byte[] { 1, 2, 3, 4 }), 4, 4));
        beyond.HashedLength.ShouldBe(0UL);
        beyond.ObjectSize.ShouldBe(4UL);
        await Should.ThrowAsync<RbdNotFoundException>(() => ceph.Volumes.ChecksumXxHash64Async(layout.ObjectName(1), 0, 4));
    }
}
