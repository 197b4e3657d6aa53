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

        v.BeginBackendRetype(newType, multiattach: true, Now.AddSeconds(1));
        (v.Status, v.VolumeTypeId, v.Multiattach, v.RetypingFrom, v.IsRetypingInPlace).ShouldBe((VolumeStatus.Retyping, newType, true, oldType, true));
        v.StatusChangedAt.ShouldBe(Now.AddSeconds(1));

        v.CompleteBackendRetype(Now.AddSeconds(2));
        (v.Status, v.VolumeTypeId, v.Multiattach, v.RetypingFrom, v.IsRetypingInPlace).ShouldBe((VolumeStatus.Available, newType, true, (Guid?)null, false));
        Should.Throw<InvalidVolumeStateException>(() => v.CompleteBackendRetype(Now));
    }

    [Fact]
    public void A_failed_one_gives_the_volume_its_old_type_and_multiattach_back()
    {
        var v = Available(multiattach: true);
        var oldType = v.VolumeTypeId;

        v.BeginBackendRetype(Guid.NewGuid(), multiattach: false, Now);
        v.Multiattach.ShouldBeFalse();
        v.FailBackendRetype(Now);

        (v.Status, v.VolumeTypeId, v.Multiattach, v.RetypingFrom).ShouldBe((VolumeStatus.Available, oldType, true, (Guid?)null));
        Should.Throw<InvalidVolumeStateException>(() => v.FailBackendRetype(Now));
    }

    [Theory]
    [InlineData(VolumeStatus.InUse)]
    [InlineData(VolumeStatus.Error)]
    public void Only_an_available_volume_changes_multiattach_with_Cinders_message(VolumeStatus status)
    {
        var v = Available();
        v.ResetStatus(status, null, setMigrationStatus: false, Now);
        var type = v.VolumeTypeId;

        var ex = Should.Throw<InvalidRequestException>(() => v.BeginBackendRetype(Guid.NewGuid(), multiattach: true, Now));
        ex.Message.ShouldBe("Invalid input received: Invalid volume_type passed, retypes affecting multiattach are only allowed on available volumes, " +
            $"the specified volume however currently has a status of: {status.ToWire()}.");
        (v.Status, v.VolumeTypeId, v.Multiattach, v.RetypingFrom).ShouldBe((status, type, false, (Guid?)null));
    }

    [Fact]
    public void A_migrating_volume_is_refused_and_one_that_keeps_multiattach_retypes_from_in_use_back_to_in_use()
    {
        var v = Available();
        v.BeginMigration("local", retype: false, hasSnapshots: false, Now);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginBackendRetype(Guid.NewGuid(), multiattach: true, Now));
        Should.Throw<InvalidVolumeStateException>(() => v.BeginBackendRetype(Guid.NewGuid(), multiattach: false, Now));

        // Limits alone change: an in-use volume may retype, and returns to in-use; a failure keeps its multiattach.
        var attached = Available();
        attached.ResetStatus(VolumeStatus.InUse, null, setMigrationStatus: false, Now);
        var oldType = attached.VolumeTypeId;
        attached.BeginBackendRetype(Guid.NewGuid(), multiattach: false, Now);
        (attached.Status, attached.RetypingFrom, attached.RetypingFromMultiattach).ShouldBe((VolumeStatus.Retyping, oldType, false));
        attached.FailBackendRetype(Now);
        (attached.Status, attached.VolumeTypeId, attached.Multiattach).ShouldBe((VolumeStatus.InUse, oldType, false));
        attached.BeginBackendRetype(Guid.NewGuid(), multiattach: false, Now);
        attached.CompleteBackendRetype(Now);
        (attached.Status, attached.RetypingFrom, attached.RetypingFromMultiattach).ShouldBe((VolumeStatus.InUse, (Guid?)null, (bool?)null));
    }

    [Fact]
    public void An_admins_reset_ends_the_retype_and_forgets_the_old_type()
    {
        var v = Available();
        var newType = Guid.NewGuid();
        v.BeginBackendRetype(newType, multiattach: true, Now);

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
