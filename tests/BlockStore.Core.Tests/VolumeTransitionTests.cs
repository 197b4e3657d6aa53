using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

public sealed class VolumeTransitionTests
{
    private static readonly DateTime Now = new(2026, 11, 24, 6, 0, 0, DateTimeKind.Utc);

    private static Volume NewVolume(int size = 1) =>
        Volume.Create("p", "u", size, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);

    private static Volume Available(int size = 1)
    {
        var v = NewVolume(size);
        v.MarkAvailable(Now);
        return v;
    }

    [Fact]
    public void A_new_volume_is_creating_and_remembers_when_its_status_changed()
    {
        var v = NewVolume();
        v.Status.ShouldBe(VolumeStatus.Creating);
        v.StatusChangedAt.ShouldBe(Now);
        v.ImageName.ShouldBe($"volume-{v.Id}");
    }

    [Fact]
    public void A_size_below_one_is_refused_with_cinders_message()
    {
        Should.Throw<InvalidRequestException>(() => NewVolume(0)).Message.ShouldContain("0 is less than the minimum of 1");
    }

    [Fact]
    public void Extending_a_creating_volume_is_refused()
    {
        Should.Throw<InvalidVolumeStateException>(() => NewVolume().BeginExtend(2, Now)).Message.ShouldContain("must be available to extend");
    }

    [Fact]
    public void Extending_to_a_smaller_size_is_refused_with_cinders_message()
    {
        Should.Throw<InvalidRequestException>(() => Available(2).BeginExtend(1, Now))
            .Message.ShouldBe("Invalid input received: New size for extend must be greater than current size. (current: 2, extended: 1).");
    }

    [Fact]
    public void An_extend_records_its_target_and_completes_to_available_at_the_new_size()
    {
        var v = Available(1);
        v.BeginExtend(3, Now);
        v.Status.ShouldBe(VolumeStatus.Extending);
        v.ExtendingTo.ShouldBe(3);
        v.CompleteExtend(3, Now);
        (v.Status, v.Size, v.ExtendingTo).ShouldBe((VolumeStatus.Available, 3, (int?)null));
    }

    [Fact]
    public void Deleting_a_volume_with_snapshots_is_refused_unless_cascading()
    {
        Should.Throw<InvalidVolumeStateException>(() => Available().BeginDeletion(force: false, hasSnapshots: true, cascade: false, Now))
            .Message.ShouldBe("Invalid volume: " + Volume.DeleteRefused);
        var v = Available();
        v.BeginDeletion(force: false, hasSnapshots: true, cascade: true, Now);
        v.Status.ShouldBe(VolumeStatus.Deleting);
    }

    [Theory]
    [InlineData(VolumeStatus.Creating)]
    [InlineData(VolumeStatus.Extending)]
    [InlineData(VolumeStatus.Deleting)]
    public void A_volume_in_a_transitional_status_cannot_be_deleted_without_force(VolumeStatus status)
    {
        var v = NewVolume();
        v.ResetStatus(status, null, false, Now);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginDeletion(false, false, false, Now));
    }

    [Fact]
    public void Force_deletes_a_stuck_volume_but_never_a_deleting_one()
    {
        var v = NewVolume();
        v.BeginDeletion(force: true, hasSnapshots: false, cascade: false, Now);
        v.Status.ShouldBe(VolumeStatus.Deleting);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginDeletion(force: true, hasSnapshots: false, cascade: false, Now));
    }

    [Fact]
    public void A_running_migration_blocks_deletion()
    {
        var v = Available();
        v.ResetStatus(VolumeStatus.Available, MigrationStatus.Migrating, true, Now);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginDeletion(false, false, false, Now));
    }

    [Theory]
    [InlineData(VolumeStatus.InUse, "in-use")]
    [InlineData(VolumeStatus.AwaitingTransfer, "awaiting-transfer")]
    [InlineData(VolumeStatus.ErrorDeleting, "error_deleting")]
    [InlineData(VolumeStatus.RestoringBackup, "restoring-backup")]
    [InlineData(VolumeStatus.ErrorBackingUp, "error_backing-up")]
    public void Statuses_are_spelled_as_cinder_spells_them(VolumeStatus status, string wire)
    {
        status.ToWire().ShouldBe(wire);
        VolumeStatusNames.Parse(wire).ShouldBe(status);
    }
}
