using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

/// <summary>Retype in place, and the retype that changes multiattach, which the worker finishes.</summary>
public sealed class RetypeTransitionTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 6, 0, 0, DateTimeKind.Utc);

    private static Volume Available(bool multiattach = false)
    {
        var v = Volume.Create("p", "u", 1, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);
        if (multiattach) v.AllowMultiattach();
        v.MarkAvailable(Now);
        return v;
    }

    [Fact]
    public void A_retype_that_makes_the_volume_multiattach_is_retyping_with_the_new_type_until_the_worker_completes_it()
    {
        var v = Available();
        var (oldType, newType) = (v.VolumeTypeId, Guid.NewGuid());

        v.BeginSharingRetype(newType, multiattach: true, Now.AddSeconds(1));
        (v.Status, v.VolumeTypeId, v.Multiattach, v.RetypingFrom, v.IsRetypingInPlace).ShouldBe((VolumeStatus.Retyping, newType, true, oldType, true));
        v.StatusChangedAt.ShouldBe(Now.AddSeconds(1));

        v.CompleteSharingRetype(Now.AddSeconds(2));
        (v.Status, v.VolumeTypeId, v.Multiattach, v.RetypingFrom, v.IsRetypingInPlace).ShouldBe((VolumeStatus.Available, newType, true, (Guid?)null, false));
        Should.Throw<InvalidVolumeStateException>(() => v.CompleteSharingRetype(Now));
    }

    [Fact]
    public void A_failed_one_gives_the_volume_its_old_type_and_multiattach_back()
    {
        var v = Available(multiattach: true);
        var oldType = v.VolumeTypeId;

        v.BeginSharingRetype(Guid.NewGuid(), multiattach: false, Now);
        v.Multiattach.ShouldBeFalse();
        v.FailSharingRetype(Now);

        (v.Status, v.VolumeTypeId, v.Multiattach, v.RetypingFrom).ShouldBe((VolumeStatus.Available, oldType, true, (Guid?)null));
        Should.Throw<InvalidVolumeStateException>(() => v.FailSharingRetype(Now));
    }

    [Theory]
    [InlineData(VolumeStatus.InUse)]
    [InlineData(VolumeStatus.Error)]
    public void Only_an_available_volume_changes_multiattach_with_Cinders_message(VolumeStatus status)
    {
        var v = Available();
        v.ResetStatus(status, null, setMigrationStatus: false, Now);
        var type = v.VolumeTypeId;

        var ex = Should.Throw<InvalidRequestException>(() => v.BeginSharingRetype(Guid.NewGuid(), multiattach: true, Now));
        ex.Message.ShouldBe("Invalid input received: Invalid volume_type passed, retypes affecting multiattach are only allowed on available volumes, " +
            $"the specified volume however currently has a status of: {status.ToWire()}.");
        (v.Status, v.VolumeTypeId, v.Multiattach, v.RetypingFrom).ShouldBe((status, type, false, (Guid?)null));
    }

    [Fact]
    public void A_migrating_volume_is_refused_and_a_retype_that_keeps_multiattach_is_not_the_workers()
    {
        var v = Available();
        v.BeginMigration("local", retype: false, hasSnapshots: false, Now);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginSharingRetype(Guid.NewGuid(), multiattach: true, Now));

        var plain = Available();
        Should.Throw<InvalidOperationException>(() => plain.BeginSharingRetype(Guid.NewGuid(), multiattach: false, Now));
    }

    [Fact]
    public void An_admins_reset_ends_the_retype_and_forgets_the_old_type()
    {
        var v = Available();
        var newType = Guid.NewGuid();
        v.BeginSharingRetype(newType, multiattach: true, Now);

        v.ResetStatus(VolumeStatus.Available, null, setMigrationStatus: false, Now);

        (v.VolumeTypeId, v.RetypingFrom, v.IsRetypingInPlace).ShouldBe((newType, (Guid?)null, false));
    }

    [Fact]
    public void A_retype_migration_is_retyping_but_not_in_place()
    {
        var v = Available();
        v.BeginMigration("ceph-fast", retype: true, hasSnapshots: false, Now);
        (v.Status, v.IsRetypingInPlace).ShouldBe((VolumeStatus.Retyping, false));
    }
}
