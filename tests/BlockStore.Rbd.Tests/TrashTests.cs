namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class TrashTests(CephFixture ceph)
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public async Task Images_can_be_moved_to_the_trash_listed_restored_and_removed()
    {
        using TestImage test = ceph.CreateImage(ceph.Volumes, 4 * MiB, prefix: "trash");
        string id;
        using (RbdImage image = test.Open())
        {
            id = image.GetId();
        }

        Rbd.TrashMove(ceph.Volumes, test.Name, TimeSpan.FromHours(1));

        Should.Throw<RbdNotFoundException>(() => test.Open());
        RbdTrashEntry entry = Rbd.TrashList(ceph.Volumes).Where(e => e.Id == id).ShouldHaveSingleItem();
        entry.Name.ShouldBe(test.Name);
        entry.Source.ShouldBe(RbdTrashSource.User);
        entry.DefermentEndsAt.ShouldBeGreaterThan(entry.DeletedAt.AddMinutes(59));

        Rbd.TrashRestore(ceph.Volumes, id);
        using (RbdImage restored = test.Open())
        {
            restored.GetId().ShouldBe(id);
        }

        Rbd.TrashList(ceph.Volumes).ShouldNotContain(e => e.Id == id);

        Rbd.TrashMove(ceph.Volumes, test.Name, TimeSpan.FromHours(1));
        await Should.ThrowAsync<RbdException>(() => Rbd.TrashRemoveAsync(ceph.Volumes, id));
        await Rbd.TrashRemoveAsync(ceph.Volumes, id, force: true);

        Rbd.TrashList(ceph.Volumes).ShouldNotContain(e => e.Id == id);
        Should.Throw<RbdNotFoundException>(() => Rbd.TrashRestore(ceph.Volumes, id));
    }
}
