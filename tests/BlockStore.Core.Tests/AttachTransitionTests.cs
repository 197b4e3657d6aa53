using BlockStore.Core.Attachments;
using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

/// <summary>How a volume's status follows its attachments, and what an attached volume may still do.</summary>
public sealed class AttachTransitionTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 6, 0, 0, DateTimeKind.Utc);

    private static Volume Volume(VolumeStatus status = VolumeStatus.Available)
    {
        var v = Core.Volumes.Volume.Create("p", "u", 1, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);
        v.ResetStatus(status, null, false, Now);
        return v;
    }

    [Fact]
    public void A_multiattach_volume_is_reserved_again_from_in_use_for_another_server_and_is_made_so_only_at_create()
    {
        var v = Core.Volumes.Volume.Create("p", "u", 1, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);
        v.AllowMultiattach();
        v.Multiattach.ShouldBeTrue();
        v.ResetStatus(VolumeStatus.InUse, null, false, Now);
        Should.Throw<InvalidVolumeStateException>(() => v.AllowMultiattach());

        v.ReserveForAttachment(serverAttached: false, Now);
        v.Status.ShouldBe(VolumeStatus.Reserved);
        Should.Throw<InvalidVolumeStateException>(() => v.ReserveForAttachment(serverAttached: false, Now))
            .Message.ShouldContain("must be available or in-use or downloading to reserve");
        v.MarkAttaching(Now);
        v.MarkAttached(Now);
        v.Detached([AttachStatus.Attached], Now);
        v.Status.ShouldBe(VolumeStatus.InUse);
        v.ReserveLegacy(Now);
        v.Status.ShouldBe(VolumeStatus.Attaching);

        var single = Volume(VolumeStatus.InUse);
        single.Multiattach.ShouldBeFalse();
        Should.Throw<InvalidVolumeStateException>(() => single.ReserveForAttachment(serverAttached: false, Now));
        Should.Throw<InvalidVolumeStateException>(() => single.ReserveLegacy(Now));
    }

    [Fact]
    public void Reserve_connect_complete_and_detach_walk_available_reserved_attaching_in_use_available()
    {
        var v = Volume();
        v.ReserveForAttachment(serverAttached: false, Now);
        v.Status.ShouldBe(VolumeStatus.Reserved);
        v.MarkAttaching(Now);
        v.Status.ShouldBe(VolumeStatus.Attaching);
        v.MarkAttached(Now);
        v.Status.ShouldBe(VolumeStatus.InUse);
        v.Detached([], Now);
        v.Status.ShouldBe(VolumeStatus.Available);
    }

    [Theory]
    [InlineData(new[] { AttachStatus.Reserved, AttachStatus.Attached }, VolumeStatus.InUse)]
    [InlineData(new[] { AttachStatus.Reserved, AttachStatus.Attaching }, VolumeStatus.Attaching)]
    [InlineData(new[] { AttachStatus.Reserved }, VolumeStatus.Reserved)]
    [InlineData(new string[0], VolumeStatus.Available)]
    public void A_detach_leaves_the_status_of_the_furthest_attachment_left(string[] left, VolumeStatus expected)
    {
        var v = Volume(VolumeStatus.InUse);
        v.Detached(left, Now);
        v.Status.ShouldBe(expected);
    }

    [Fact]
    public void A_second_reservation_is_only_for_the_server_already_attached_and_never_of_a_broken_or_migrating_volume()
    {
        var inUse = Volume(VolumeStatus.InUse);
        Should.Throw<InvalidVolumeStateException>(() => inUse.ReserveForAttachment(serverAttached: false, Now))
            .Message.ShouldBe($"Invalid volume: Volume {inUse.Id} status must be available or downloading to reserve, but the current status is in-use.");
        inUse.ReserveForAttachment(serverAttached: true, Now);
        inUse.Status.ShouldBe(VolumeStatus.InUse);

        Should.Throw<InvalidVolumeStateException>(() => Volume(VolumeStatus.ErrorExtending).ReserveForAttachment(false, Now))
            .Message.ShouldContain("can not be created if the volume is in an error state");
        var migrating = Volume();
        migrating.BeginMigration("local", retype: false, hasSnapshots: false, Now);
        Should.Throw<InvalidVolumeStateException>(() => migrating.ReserveForAttachment(false, Now)).Message.ShouldContain("being migrated");
    }

    [Fact]
    public void An_attached_volume_extended_returns_to_in_use_and_a_detach_meanwhile_makes_it_return_available()
    {
        var v = Volume(VolumeStatus.InUse);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginExtend(2, Now)).Message.ShouldContain("must be available to extend");
        v.BeginExtend(2, Now, allowInUse: true);
        v.CompleteExtend(2, Now);
        v.Status.ShouldBe(VolumeStatus.InUse);
        v.Size.ShouldBe(2);

        v.BeginExtend(3, Now, allowInUse: true);
        v.Detached([], Now);
        v.Status.ShouldBe(VolumeStatus.Extending);
        v.CompleteExtend(3, Now);
        v.Status.ShouldBe(VolumeStatus.Available);
    }

    [Fact]
    public void A_detach_leaves_a_status_that_is_not_an_attach_status_alone()
    {
        var v = Volume(VolumeStatus.Error);
        v.Detached([], Now);
        v.Status.ShouldBe(VolumeStatus.Error);
    }

    [Fact]
    public void The_legacy_flow_reserves_to_attaching_attaches_to_in_use_and_detaches_through_detaching()
    {
        var v = Volume();
        v.ReserveLegacy(Now);
        v.Status.ShouldBe(VolumeStatus.Attaching);
        Should.Throw<InvalidVolumeStateException>(() => v.ReserveLegacy(Now))
            .Message.ShouldBe("Invalid volume: Volume status must be available to reserve, but the status is attaching.");
        v.Unreserve(hasAttachments: false, Now).ShouldBeTrue();
        v.Status.ShouldBe(VolumeStatus.Available);
        v.Unreserve(hasAttachments: false, Now).ShouldBeFalse();

        v.ReserveLegacy(Now);
        v.MarkAttachedLegacy(Now);
        v.Status.ShouldBe(VolumeStatus.InUse);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginDetaching(hasAttached: false, Now)).Message.ShouldContain("attach_status must be 'attached'");
        v.BeginDetaching(hasAttached: true, Now);
        v.Status.ShouldBe(VolumeStatus.Detaching);
        v.RollDetaching(Now).ShouldBeTrue();
        v.Status.ShouldBe(VolumeStatus.InUse);
        v.RollDetaching(Now).ShouldBeFalse();
        v.BeginDetaching(hasAttached: true, Now);
        v.Detached([], Now);
        v.Status.ShouldBe(VolumeStatus.Available);
    }

    [Theory]
    [InlineData(VolumeStatus.Creating)]
    [InlineData(VolumeStatus.Deleting)]
    [InlineData(VolumeStatus.Maintenance)]
    [InlineData(VolumeStatus.Error)]
    [InlineData(VolumeStatus.Extending)]
    public void A_legacy_attach_needs_a_volume_that_can_be_attached(VolumeStatus status)
    {
        var v = Volume(status);
        Should.Throw<InvalidVolumeStateException>(() => v.MarkAttachedLegacy(Now));
        v.Status.ShouldBe(status);
    }

    [Fact]
    public void A_detach_touches_the_volume_even_when_its_status_stays_so_that_racing_detaches_meet_on_its_version()
    {
        var v = Volume(VolumeStatus.InUse);
        var later = Now.AddMinutes(1);
        v.Detached([AttachStatus.Attached], later);
        v.Status.ShouldBe(VolumeStatus.InUse);
        v.UpdatedAt.ShouldBe(later);
    }

    [Fact]
    public void The_mode_is_the_creates_then_the_connectors_then_read_write()
    {
        Attachment.Reserve(Guid.NewGuid(), "p", null, "ro", Now).ModeFor("rw").ShouldBe("ro");
        Attachment.Reserve(Guid.NewGuid(), "p", null, null, Now).ModeFor("ro").ShouldBe("ro");
        Attachment.Reserve(Guid.NewGuid(), "p", null, null, Now).ModeFor(null).ShouldBe("rw");
    }
}
