using Xunit.Abstractions;

namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class CloneTests(CephFixture ceph, ITestOutputHelper output)
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public async Task A_clone_across_pools_shows_its_parent_and_reads_its_data()
    {
        using TestImage parent = await CreateParentAsync(16 * MiB);
        using TestImage clone = CloneOf(parent);
        using RbdImage image = clone.Open();

        RbdParentInfo info = image.GetParent().ShouldNotBeNull();
        info.Image.PoolName.ShouldBe(CephFixture.ImagesPool);
        info.Image.ImageName.ShouldBe(parent.Name);
        info.Image.InTrash.ShouldBeFalse();
        info.SnapshotName.ShouldBe("base");
        byte[] read = new byte[4096];
        await image.ReadAsync(5 * MiB, read);
        read.AsSpan().SequenceEqual(ParentBlock(5 * MiB)).ShouldBeTrue();

        using RbdImage parentImage = parent.Open();
        parentImage.GetParent().ShouldBeNull();
        RbdLinkedImage child = parentImage.ListChildren().ShouldHaveSingleItem();
        child.PoolName.ShouldBe(CephFixture.VolumesPool);
        child.ImageName.ShouldBe(clone.Name);
        using RbdImage atSnapshot = parent.Open(snapshot: "base");
        atSnapshot.ListChildren().ShouldHaveSingleItem().ImageName.ShouldBe(clone.Name);
    }

    [Fact]
    public void Cloning_from_a_missing_snapshot_throws_not_found()
    {
        using TestImage parent = ceph.CreateImage(ceph.Images, 4 * MiB, prefix: "parent");

        Should.Throw<RbdNotFoundException>(() => Rbd.Clone(ceph.Images, parent.Name, "nope", ceph.Volumes, CephFixture.UniqueName("clone")));
    }

    [Fact]
    public async Task Flattening_detaches_the_clone_and_reports_progress_from_0_to_100()
    {
        using TestImage parent = await CreateParentAsync(64 * MiB);
        using TestImage clone = CloneOf(parent);
        using RbdImage image = clone.Open();
        var reports = new List<double>();

        await image.FlattenAsync(new SyncProgress<RbdProgress>(p => reports.Add(p.Percent)));

        output.WriteLine($"flatten progress: {string.Join(", ", reports)}");
        image.GetParent().ShouldBeNull();
        reports[0].ShouldBe(0);
        reports[^1].ShouldBe(100);
        reports.ShouldBe(reports.Order().ToList());
        byte[] read = new byte[4096];
        await image.ReadAsync(60 * MiB, read);
        read.AsSpan().SequenceEqual(ParentBlock(60 * MiB)).ShouldBeTrue();
        using RbdImage parentImage = parent.Open();
        parentImage.ListChildren().ShouldBeEmpty();
    }

    [Fact]
    public async Task Cancelling_a_flatten_through_progress_stops_it_and_keeps_the_parent()
    {
        using TestImage parent = await CreateParentAsync(64 * MiB);
        using TestImage clone = CloneOf(parent);
        using RbdImage image = clone.Open();
        using var cts = new CancellationTokenSource();
        var reports = new List<double>();

        // Cancel as soon as librbd reports the first object: the callback then answers -ECANCELED.
        Task flatten = image.FlattenAsync(
            new SyncProgress<RbdProgress>(p =>
            {
                reports.Add(p.Percent);
                cts.Cancel();
            }),
            cts.Token);

        await Should.ThrowAsync<OperationCanceledException>(() => flatten);
        output.WriteLine($"progress before cancellation: {string.Join(", ", reports)}");
        reports.ShouldNotContain(100);
        image.GetParent().ShouldNotBeNull();

        // A later flatten finishes the job.
        await image.FlattenAsync();
        image.GetParent().ShouldBeNull();
    }

    [Fact]
    public async Task Deep_copy_copies_data_and_snapshots_to_another_pool()
    {
        using TestImage source = await CreateParentAsync(16 * MiB);
        string copyName = CephFixture.UniqueName("copy");
        var reports = new List<RbdProgress>();
        using (RbdImage image = source.Open())
        {
            await image.DeepCopyAsync(ceph.Volumes, copyName, new RbdImageOptions { Order = 22 }, new SyncProgress<RbdProgress>(reports.Add));
        }

        using var copy = new TestImage(ceph.Volumes, copyName);
        using RbdImage copied = copy.Open();
        copied.ListSnapshots().Select(s => s.Name).ShouldBe(["base"]);
        byte[] read = new byte[4096];
        await copied.ReadAsync(9 * MiB, read);
        read.AsSpan().SequenceEqual(ParentBlock(9 * MiB)).ShouldBeTrue();
        reports.ShouldNotBeEmpty();
        reports[^1].Percent.ShouldBe(100);
    }

    [Fact]
    public async Task Deep_copy_onto_an_existing_name_throws_exists()
    {
        using TestImage source = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using TestImage existing = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using RbdImage image = source.Open();

        await Should.ThrowAsync<RbdExistsException>(() => image.DeepCopyAsync(ceph.Volumes, existing.Name));
    }

    /// <summary>A parent in the images pool, filled with data, with a protected snapshot "base".</summary>
    private async Task<TestImage> CreateParentAsync(ulong size)
    {
        TestImage parent = ceph.CreateImage(ceph.Images, size, prefix: "parent");
        using RbdImage image = parent.Open();
        const int Chunk = 4 << 20;
        var writes = new List<Task>();
        for (ulong offset = 0; offset < size; offset += Chunk)
        {
            byte[] data = new byte[Chunk];
            for (int i = 0; i < Chunk; i += 4096)
            {
                ParentBlock(offset + (ulong)i).CopyTo(data, i);
            }

            writes.Add(image.WriteAsync(offset, data));
        }

        await Task.WhenAll(writes);
        image.CreateSnapshot("base");
        image.ProtectSnapshot("base");
        return parent;
    }

    private TestImage CloneOf(TestImage parent)
    {
        string name = CephFixture.UniqueName("clone");
        Rbd.Clone(ceph.Images, parent.Name, "base", ceph.Volumes, name, new RbdImageOptions { Features = RbdFeatures.Default });
        return new TestImage(ceph.Volumes, name);
    }

    // Deterministic content per 4 KiB block, so any block can be checked without keeping the data.
    private static byte[] ParentBlock(ulong offset) => IoTests.RandomBytes(4096, seed: (int)(offset / 4096));
}
