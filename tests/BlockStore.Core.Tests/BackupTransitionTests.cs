using BlockStore.Core.Backups;
using BlockStore.Core.Errors;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

public sealed class BackupTransitionTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 23, 0, 0, DateTimeKind.Utc);

    private static Volume Volume(VolumeStatus status = VolumeStatus.Available, int size = 2)
    {
        var v = Core.Volumes.Volume.Create("p", "u", size, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);
        if (status != VolumeStatus.Creating) v.ResetStatus(status, null, false, Now);
        return v;
    }

    private static Backup Available(Volume volume)
    {
        var b = Backup.Create(volume, null, "u", "b", null, null, Now);
        b.Complete(3, Now);
        return b;
    }

    [Fact]
    public void A_backup_is_of_its_volume_s_size_and_project_or_of_its_snapshot_s_size_and_moment()
    {
        var volume = Volume(size: 4);
        volume.MarkBootable(true, Now);
        volume.SetImageMetadata(new Dictionary<string, string> { ["os_distro"] = "debian" }, Now);
        volume.SetMetadata(new Dictionary<string, string> { ["tier"] = "gold" }, replace: false, Now);
        var fromVolume = Backup.Create(volume, null, "admin", "b", null, new Dictionary<string, string> { ["k"] = "v" }, Now.AddMinutes(1));
        (fromVolume.VolumeBootable, fromVolume.VolumeImageMetadata!["os_distro"], fromVolume.VolumeMetadata["tier"]).ShouldBe((true, "debian", "gold"));
        fromVolume.Metadata.ShouldBe(new Dictionary<string, string> { ["k"] = "v" }, "the backup's own metadata is apart from the volume's");
        (fromVolume.Status, fromVolume.Size, fromVolume.ProjectId, fromVolume.DataTimestamp).ShouldBe((BackupStatus.Creating, 4, "p", Now.AddMinutes(1)));
        fromVolume.StoreName.ShouldBe($"backup-{fromVolume.Id}");
        Backup.IdOfStoreName(fromVolume.StoreName).ShouldBe(fromVolume.Id);
        Backup.IdOfStoreName($"volume-{fromVolume.Id}").ShouldBeNull();

        var snapshot = Snapshot.Create(volume, "u", null, null, null, Now);
        volume.BeginExtend(6, Now);
        var fromSnapshot = Backup.Create(volume, snapshot, "u", null, null, null, Now.AddHours(1));
        (fromSnapshot.Size, fromSnapshot.SnapshotId, fromSnapshot.DataTimestamp).ShouldBe((4, snapshot.Id, Now));
        fromSnapshot.Started("backups", dataTimestamp: null, Now.AddHours(2));
        (fromSnapshot.Container, fromSnapshot.DataTimestamp).ShouldBe(("backups", Now), "a user's snapshot keeps its moment");
    }

    [Fact]
    public void Only_a_backup_being_made_completes_and_a_failed_one_keeps_its_reason()
    {
        var b = Available(Volume());
        (b.Status, b.ObjectCount).ShouldBe((BackupStatus.Available, 3));
        Should.Throw<InvalidOperationException>(() => b.Complete(1, Now));
        var failed = Backup.Create(Volume(), null, "u", null, null, null, Now);
        failed.Fail("disk gone", Now);
        (failed.Status, failed.FailReason).ShouldBe((BackupStatus.Error, "disk gone"));
    }

    [Theory]
    [InlineData(BackupStatus.Available, false, true)]
    [InlineData(BackupStatus.Error, false, true)]
    [InlineData(BackupStatus.ErrorDeleting, false, false)]
    [InlineData(BackupStatus.ErrorDeleting, true, true)]
    [InlineData(BackupStatus.Creating, true, false)]
    [InlineData(BackupStatus.Restoring, true, false)]
    [InlineData(BackupStatus.Deleting, true, false)]
    public void Deletes_follow_Cinder_s_statuses_and_a_force_does_not_pull_a_copy_from_under_its_job(BackupStatus status, bool force, bool allowed)
    {
        var volume = Volume();
        var b = Backup.Create(volume, null, "u", null, null, null, Now);
        if (status != BackupStatus.Creating) b.Complete(0, Now);
        if (status == BackupStatus.Error) b.Fail("x", Now);
        if (status == BackupStatus.ErrorDeleting) b.FailDeletion(Now);
        if (status == BackupStatus.Restoring) b.BeginRestore(volume.Id, Now);
        if (status == BackupStatus.Deleting) b.BeginDeletion(false, Now);

        if (allowed)
        {
            b.BeginDeletion(force, Now);
            b.Status.ShouldBe(BackupStatus.Deleting);
        }
        else
        {
            Should.Throw<InvalidRequestException>(() => b.BeginDeletion(force, Now)).Message
                .ShouldBe(force ? Backup.ForceDeleteRefused : Backup.DeleteRefused);
        }
    }

    [Fact]
    public void A_restore_names_its_volume_until_it_ends_and_resets_reach_only_available_and_error()
    {
        var volume = Volume();
        var b = Available(volume);
        b.BeginRestore(volume.Id, Now);
        (b.Status, b.RestoringTo).ShouldBe((BackupStatus.Restoring, volume.Id));
        Should.Throw<InvalidRequestException>(() => b.BeginRestore(volume.Id, Now)).Message.ShouldBe("Invalid backup: Backup status must be available");
        b.EndRestore(Now);
        (b.Status, b.RestoringTo).ShouldBe((BackupStatus.Available, (Guid?)null));

        Should.Throw<InvalidRequestException>(() => b.ResetStatus(BackupStatus.Deleting, Now));
        b.ResetStatus(BackupStatus.Error, Now);
        b.Status.ShouldBe(BackupStatus.Error);
    }

    [Fact]
    public void A_volume_backed_up_returns_to_the_status_it_had_in_use_included()
    {
        var attached = Volume(VolumeStatus.InUse);
        Should.Throw<InvalidVolumeStateException>(() => attached.BeginBackup(force: false, Now)).Message
            .ShouldBe("Invalid volume: Backing up an in-use volume must use the force flag.");
        attached.BeginBackup(force: true, Now);
        attached.Status.ShouldBe(VolumeStatus.BackingUp);
        attached.EndBackup(Now);
        attached.Status.ShouldBe(VolumeStatus.InUse);

        var creating = Volume(VolumeStatus.Creating);
        Should.Throw<InvalidVolumeStateException>(() => creating.BeginBackup(force: true, Now)).Message
            .ShouldBe("Invalid volume: Volume to be backed up must be available or in-use, but the current status is \"creating\".");
    }

    [Fact]
    public void A_restore_needs_an_available_volume_as_large_as_the_backup_or_one_made_for_it()
    {
        var small = Volume(size: 1);
        Should.Throw<InvalidVolumeStateException>(() => small.BeginRestore(2, Now)).Message
            .ShouldBe("Invalid volume: volume size 1 is too small to restore backup of size 2.");
        var creating = Volume(VolumeStatus.Creating);
        Should.Throw<InvalidVolumeStateException>(() => creating.BeginRestore(1, Now)).Message
            .ShouldBe("Invalid volume: Volume to be restored to must be available");
        creating.BeginRestore(1, Now, madeForIt: true);
        creating.Status.ShouldBe(VolumeStatus.RestoringBackup);
        creating.FailRestore(Now);
        creating.Status.ShouldBe(VolumeStatus.ErrorRestoring);

        var target = Volume();
        target.SetMetadata(new Dictionary<string, string> { ["mine"] = "1", ["both"] = "target" }, replace: false, Now);
        target.BeginRestore(2, Now);
        target.CompleteRestore(true, new Dictionary<string, string> { ["os_distro"] = "debian" }, new Dictionary<string, string> { ["both"] = "backup" }, Now);
        (target.Status, target.Bootable, target.ImageMetadata!["os_distro"]).ShouldBe((VolumeStatus.Available, true, "debian"));
        target.Metadata.ShouldBe(new Dictionary<string, string> { ["mine"] = "1", ["both"] = "backup" }, ignoreOrder: true);
    }
}
