using BlockStore.Core.Errors;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

/// <summary>Managing a backend snapshot and unmanaging a snapshot: what a snapshot records and which transitions it allows.</summary>
public sealed class SnapshotManageTransitionTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 10, 0, 0, DateTimeKind.Utc);

    private static Volume NewVolume(int size = 4) => Volume.Create("p", "u", size, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);

    [Fact]
    public void A_managed_snapshot_is_charged_the_volume_size_then_takes_its_own_once()
    {
        var s = Snapshot.Manage(NewVolume(size: 10), "admin", "before-upgrade", "adopted", null, null, Now);
        s.Status.ShouldBe(SnapshotStatus.Creating);
        s.Size.ShouldBe(10);
        s.ManagingFrom.ShouldBe("before-upgrade");

        s.TakeManagedSize(4).ShouldBe(-6, "the volume grew after the snapshot: the difference is given back");
        s.TakeManagedSize(4).ShouldBe(0, "a redelivery charges nothing more");
        s.Size.ShouldBe(4);
        s.CompleteManage(Now);
        s.Status.ShouldBe(SnapshotStatus.Available);
        s.ManagingFrom.ShouldBeNull();
        Should.Throw<InvalidSnapshotStateException>(() => s.TakeManagedSize(4));
        Should.Throw<InvalidSnapshotStateException>(() => s.CompleteManage(Now));
    }

    [Fact]
    public void A_snapshot_taken_by_blockstore_manages_nothing_and_a_failed_manage_forgets_its_source()
    {
        var taken = Snapshot.Create(NewVolume(), "u", null, null, null, Now);
        Should.Throw<InvalidSnapshotStateException>(() => taken.TakeManagedSize(4));
        Should.Throw<InvalidSnapshotStateException>(() => taken.CompleteManage(Now));

        var failed = Snapshot.Manage(NewVolume(), "admin", "gone", null, null, null, Now);
        failed.MarkFailed(SnapshotStatus.Error, Now);
        failed.ManagingFrom.ShouldBeNull();
        Should.Throw<ArgumentException>(() => Snapshot.Manage(NewVolume(), "admin", " ", null, null, null, Now));
    }

    [Theory]
    [InlineData(SnapshotStatus.Available, true)]
    [InlineData(SnapshotStatus.Error, true)]
    [InlineData(SnapshotStatus.Creating, false)]
    [InlineData(SnapshotStatus.Deleting, false)]
    [InlineData(SnapshotStatus.Restoring, false)]
    [InlineData(SnapshotStatus.Unmanaging, false)]
    public void An_unmanage_is_allowed_as_a_delete_without_force_is(SnapshotStatus status, bool allowed)
    {
        var s = Snapshot.Create(NewVolume(), "u", null, null, null, Now);
        s.ResetStatus(status, Now);
        if (!allowed)
        {
            Should.Throw<InvalidSnapshotStateException>(() => s.BeginUnmanage(Now)).Message.ShouldContain(Snapshot.DeleteRefused);
            return;
        }
        s.BeginUnmanage(Now);
        s.Status.ShouldBe(SnapshotStatus.Unmanaging);
        s.AbandonUnmanage(Now);
        s.Status.ShouldBe(SnapshotStatus.Available);
        Should.Throw<InvalidSnapshotStateException>(() => s.AbandonUnmanage(Now));
    }

    [Fact]
    public void A_hidden_snapshot_cannot_be_unmanaged()
    {
        var s = Snapshot.Create(NewVolume(), "u", null, null, null, Now);
        s.MarkAvailable(Now);
        s.Hide(Now);
        Should.Throw<InvalidSnapshotStateException>(() => s.BeginUnmanage(Now));
    }

    [Theory]
    [InlineData("clone-0b0d7f5e-5b1c-4d54-9a3e-0d1f2a3b4c5d", "used for clone snap")]
    [InlineData("image-image-0b0d7f5e-5b1c-4d54-9a3e-0d1f2a3b4c5d", "used for an upload to an image")]
    [InlineData("clone-of-prod", null)]
    [InlineData("snapshot-0b0d7f5e-5b1c-4d54-9a3e-0d1f2a3b4c5d", null)]
    [InlineData("before-upgrade", null)]
    public void BlockStores_own_backend_snapshots_are_recognised_by_name(string name, string? reason) =>
        Snapshot.ReasonNotManageable(name, "image-").ShouldBe(reason);

    [Fact]
    public void A_backend_name_gives_back_its_snapshot_id_and_nothing_else_does()
    {
        var id = Guid.NewGuid();
        Snapshot.IdOfBackendName(Snapshot.BackendNameOf(id)).ShouldBe(id);
        Snapshot.IdOfBackendName($"snapshot-{id}.old").ShouldBeNull();
        Snapshot.IdOfBackendName(Snapshot.CloneBackendName(id)).ShouldBeNull();
    }

    [Fact]
    public void The_refusal_names_the_snapshots_and_what_to_do()
    {
        var id = Guid.NewGuid();
        var message = ForeignSnapshot.Refusal(id, ["a", "b", "c", "d", "e", "f"]);
        message.ShouldContain($"Volume {id} has 6 snapshot(s)");
        message.ShouldContain("(a, b, c, d, e, …)");
        message.ShouldContain("os-snapshot-manage");
    }
}
