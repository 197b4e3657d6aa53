namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class SnapshotTests(CephFixture ceph)
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public void Snapshots_can_be_created_listed_protected_unprotected_and_removed()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage image = test.Open();

        image.CreateSnapshot("a");
        image.Resize(16 * MiB);
        image.CreateSnapshot("b");

        IReadOnlyList<RbdSnapshotInfo> snapshots = image.ListSnapshots();
        snapshots.Select(s => s.Name).ShouldBe(["a", "b"]);
        snapshots.Select(s => s.Size).ShouldBe([8 * MiB, 16 * MiB]);
        snapshots[0].Id.ShouldBeLessThan(snapshots[1].Id);
        image.SnapshotExists("a").ShouldBeTrue();
        image.SnapshotExists("c").ShouldBeFalse();

        image.IsSnapshotProtected("a").ShouldBeFalse();
        image.ProtectSnapshot("a");
        image.IsSnapshotProtected("a").ShouldBeTrue();
        image.UnprotectSnapshot("a");
        image.IsSnapshotProtected("a").ShouldBeFalse();

        image.RemoveSnapshot("a");
        image.RemoveSnapshot("b");
        image.ListSnapshots().ShouldBeEmpty();
    }

    [Fact]
    public void Renaming_a_snapshot_keeps_its_data_and_protection_and_refuses_missing_or_taken_names()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 8 * MiB);
        using RbdImage image = test.Open();
        byte[] data = IoTests.RandomBytes(4096, seed: 11);
        image.Write(0, data);
        image.CreateSnapshot("old");
        image.ProtectSnapshot("old");
        image.CreateSnapshot("other");
        image.Write(0, new byte[4096]);

        image.RenameSnapshot("old", "new");

        image.SnapshotExists("old").ShouldBeFalse();
        image.IsSnapshotProtected("new").ShouldBeTrue();
        using (RbdImage atSnapshot = test.Open("new", readOnly: true))
        {
            var read = new byte[4096];
            atSnapshot.Read(0, read);
            read.ShouldBe(data);
        }
        Should.Throw<RbdNotFoundException>(() => image.RenameSnapshot("old", "again")).Operation.ShouldBe("rbd_snap_rename");
        Should.Throw<RbdExistsException>(() => image.RenameSnapshot("new", "other"));
        image.UnprotectSnapshot("new");
        image.RemoveSnapshot("new");
        image.RemoveSnapshot("other");
    }

    [Fact]
    public void Creating_an_existing_snapshot_throws_exists()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using RbdImage image = test.Open();
        image.CreateSnapshot("s");

        Should.Throw<RbdExistsException>(() => image.CreateSnapshot("s")).Operation.ShouldBe("rbd_snap_create");
    }

    [Fact]
    public void Removing_a_missing_snapshot_throws_not_found()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using RbdImage image = test.Open();

        Should.Throw<RbdNotFoundException>(() => image.RemoveSnapshot("nope"));
    }

    [Fact]
    public async Task Rolling_back_restores_the_snapshot_data_and_reports_progress()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 16 * MiB);
        using RbdImage image = test.Open();
        byte[] before = IoTests.RandomBytes(8192, seed: 5);
        await image.WriteAsync(0, before);
        image.CreateSnapshot("s");
        await image.WriteAsync(0, IoTests.RandomBytes(8192, seed: 6));
        var reports = new List<RbdProgress>();

        await image.RollbackToSnapshotAsync("s", new SyncProgress<RbdProgress>(reports.Add));

        byte[] read = new byte[8192];
        await image.ReadAsync(0, read);
        read.AsSpan().SequenceEqual(before).ShouldBeTrue();
        reports.ShouldNotBeEmpty();
        reports[^1].Percent.ShouldBe(100);
    }

    [Fact]
    public void Removing_an_image_with_a_protected_snapshot_is_refused_as_in_use()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using (RbdImage image = test.Open())
        {
            image.CreateSnapshot("s");
            image.ProtectSnapshot("s");
        }

        RbdInUseException ex = Should.Throw<RbdInUseException>(() => Rbd.Remove(ceph.Volumes, test.Name));

        ex.ErrorCode.ShouldBe(39); // ENOTEMPTY: the image has snapshots
    }

    [Fact]
    public void Removing_a_protected_snapshot_is_refused_as_in_use()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB);
        using RbdImage image = test.Open();
        image.CreateSnapshot("s");
        image.ProtectSnapshot("s");

        Should.Throw<RbdInUseException>(() => image.RemoveSnapshot("s")).ErrorCode.ShouldBe(16);
    }

    [Fact]
    public void Unprotecting_a_snapshot_with_clones_is_refused_as_in_use()
    {
        using TestImage parent = ceph.CreateImage(ceph.Images, 4 * MiB, prefix: "parent");
        using (RbdImage image = parent.Open())
        {
            image.CreateSnapshot("base");
            image.ProtectSnapshot("base");
        }

        string cloneName = CephFixture.UniqueName("clone");
        Rbd.Clone(ceph.Images, parent.Name, "base", ceph.Volumes, cloneName);
        using var clone = new TestImage(ceph.Volumes, cloneName);
        using RbdImage parentImage = parent.Open();

        RbdInUseException ex = Should.Throw<RbdInUseException>(() => parentImage.UnprotectSnapshot("base"));

        ex.ErrorCode.ShouldBe(16); // EBUSY from rbd_snap_unprotect: clones exist
        ex.Operation.ShouldBe("rbd_snap_unprotect");
        parentImage.IsSnapshotProtected("base").ShouldBeTrue();
    }
}
