namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class DiffTests(CephFixture ceph)
{
    private const ulong MiB = 1 << 20;
    private const ulong GiB = 1 << 30;

    // Each write starts an object: without a snapshot to compare with, librbd reports an object's
    // data from the object's start to its end, so object-aligned writes come back exactly.
    private static readonly (ulong Offset, int Length)[] Writes =
    [
        (0, 4096),
        (3 * GiB, 64 * 1024),
        (10 * GiB - 4 * MiB, 8192),
    ];

    [Fact]
    public async Task A_sparse_image_reports_exactly_the_written_extents()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 10 * GiB);
        using RbdImage image = test.Open();
        await WriteAsync(image, Writes);

        List<RbdExtent> extents = await ToListAsync(image.DiffIterateAsync());

        extents.ShouldBe(Writes.Select(w => new RbdExtent(w.Offset, (ulong)w.Length, true)));
    }

    [Fact]
    public async Task A_diff_since_a_snapshot_reports_only_later_changes()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 10 * GiB);
        using RbdImage image = test.Open();
        await WriteAsync(image, Writes);
        image.CreateSnapshot("s1");
        await image.WriteAsync(5 * GiB, new byte[4096].Select(_ => (byte)1).ToArray());

        List<RbdExtent> extents = await ToListAsync(image.DiffIterateAsync(new RbdDiffOptions { FromSnapshot = "s1" }));

        extents.ShouldBe([new RbdExtent(5 * GiB, 4096, true)]);
    }

    [Fact]
    public async Task Whole_object_diffs_report_the_objects_from_the_fast_diff_map()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 10 * GiB);
        using RbdImage image = test.Open();
        image.GetFeatures().HasFlag(RbdFeatures.FastDiff).ShouldBeTrue();
        await WriteAsync(image, Writes);
        ulong objectSize = image.Stat().ObjectSize;

        List<RbdExtent> extents = await ToListAsync(image.DiffIterateAsync(new RbdDiffOptions { WholeObject = true }));

        extents.ShouldBe(Writes.Select(w => new RbdExtent(w.Offset / objectSize * objectSize, objectSize, true)));
    }

    [Fact]
    public async Task A_diff_can_be_limited_to_a_range()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 10 * GiB);
        using RbdImage image = test.Open();
        await WriteAsync(image, Writes);

        List<RbdExtent> extents = await ToListAsync(image.DiffIterateAsync(new RbdDiffOptions { Offset = 1 * GiB, Length = 8 * GiB }));

        extents.ShouldBe([new RbdExtent(Writes[1].Offset, (ulong)Writes[1].Length, true)]);
    }

    [Fact]
    public async Task A_cancelled_diff_stops()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 10 * GiB);
        using RbdImage image = test.Open();

        await Should.ThrowAsync<OperationCanceledException>(
            () => ToListAsync(image.DiffIterateAsync(cancellationToken: new CancellationToken(canceled: true))));
    }

    private static async Task WriteAsync(RbdImage image, (ulong Offset, int Length)[] writes)
    {
        foreach ((ulong offset, int length) in writes)
        {
            await image.WriteAsync(offset, IoTests.RandomBytes(length, seed: (int)(offset % int.MaxValue)));
        }

        await image.FlushAsync();
    }

    private static async Task<List<RbdExtent>> ToListAsync(IAsyncEnumerable<RbdExtent> source)
    {
        var list = new List<RbdExtent>();
        await foreach (RbdExtent extent in source)
        {
            list.Add(extent);
        }

        return list;
    }
}
