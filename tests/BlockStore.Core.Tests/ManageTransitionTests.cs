using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

/// <summary>Managing existing storage and unmanaging a volume: what a volume records and which transitions it allows.</summary>
public sealed class ManageTransitionTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 8, 0, 0, DateTimeKind.Utc);

    private static Volume Managing() =>
        Volume.Manage("p", "u", "legacy-disk", "adopted", null, Guid.NewGuid(), "ceph", "nova", null, bootable: true, Now);

    private static Volume In(VolumeStatus status)
    {
        var v = Volume.Create("p", "u", 4, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);
        v.ResetStatus(status, null, setMigrationStatus: false, Now);
        return v;
    }

    [Fact]
    public void A_managed_volume_is_created_with_no_size_names_its_storage_and_takes_the_size_once()
    {
        var v = Managing();
        v.Status.ShouldBe(VolumeStatus.Creating);
        v.Size.ShouldBe(0);
        v.Bootable.ShouldBeTrue();
        v.ManagingFrom.ShouldBe("legacy-disk");

        v.TakeManagedSize(3).ShouldBe(3);
        v.TakeManagedSize(3).ShouldBe(0, "a redelivery charges nothing more");
        v.Size.ShouldBe(3);
        v.CompleteManage(Now);
        v.Status.ShouldBe(VolumeStatus.Available);
        v.ManagingFrom.ShouldBeNull();
        Should.Throw<InvalidVolumeStateException>(() => v.TakeManagedSize(3));
    }

    [Fact]
    public void A_manage_completes_only_once_sized_and_a_failed_one_forgets_its_storage()
    {
        var v = Managing();
        Should.Throw<InvalidVolumeStateException>(() => v.CompleteManage(Now));
        Should.Throw<ArgumentOutOfRangeException>(() => v.TakeManagedSize(0));
        v.MarkFailed(VolumeStatus.Error, Now);
        v.ManagingFrom.ShouldBeNull("a failed manage's storage is not the volume's, and a delete must not look for it");
        v.Size.ShouldBe(0);
        Should.Throw<ArgumentException>(() => Volume.Manage("p", "u", " ", null, null, Guid.NewGuid(), "ceph", "nova", null, false, Now));
    }

    [Theory]
    [InlineData(VolumeStatus.Available)]
    [InlineData(VolumeStatus.Error)]
    [InlineData(VolumeStatus.ErrorExtending)]
    public void An_unmanage_starts_where_a_plain_delete_may_and_is_abandoned_back_to_where_it_was(VolumeStatus from)
    {
        var v = In(from);
        v.BeginUnmanage(hasSnapshots: false, Now);
        v.Status.ShouldBe(VolumeStatus.Unmanaging);
        v.Status.ToWire().ShouldBe("unmanaging");
        v.UnmanagedImageName.ShouldBe($"volume-{v.Id}.unmanaged");
        Volume.IdOfImage(v.UnmanagedImageName).ShouldBeNull("the reconciler must not take the unmanaged image for an orphan of its own");
        v.AbandonUnmanage(Now);
        v.Status.ShouldBe(from);
    }

    [Theory]
    [InlineData(VolumeStatus.InUse, false)]
    [InlineData(VolumeStatus.Creating, false)]
    [InlineData(VolumeStatus.Unmanaging, false)]
    [InlineData(VolumeStatus.Available, true)]
    public void An_unmanage_is_refused_with_cinders_delete_message(VolumeStatus from, bool hasSnapshots)
    {
        var v = In(from);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginUnmanage(hasSnapshots, Now)).Message.ShouldBe($"Invalid volume: {Volume.DeleteRefused}");
        v.Status.ShouldBe(from);
    }

    [Fact]
    public void A_migrating_volume_is_not_unmanaged()
    {
        var v = In(VolumeStatus.Available);
        v.BeginMigration("ceph-fast", retype: false, hasSnapshots: false, Now);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginUnmanage(false, Now));
    }

    [Theory]
    [InlineData(0L, 1)]
    [InlineData(1L, 1)]
    [InlineData(1L << 30, 1)]
    [InlineData((1L << 30) + 1, 2)]
    [InlineData(1500L << 20, 2)]
    public void Sizes_are_whole_GiB_rounded_up(long bytes, int gib) => ManageableImage.SizeInGb(bytes).ShouldBe(gib);
}
