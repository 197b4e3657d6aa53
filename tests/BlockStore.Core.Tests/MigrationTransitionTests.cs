using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

public sealed class MigrationTransitionTests
{
    private static readonly DateTime Now = new(2026, 11, 24, 6, 0, 0, DateTimeKind.Utc);

    private static Volume Available()
    {
        var v = Volume.Create("p", "u", 1, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);
        v.MarkAvailable(Now);
        return v;
    }

    [Fact]
    public void A_retype_migration_shows_retyping_and_ends_on_the_destination_with_the_new_type_and_the_old_status()
    {
        var v = Available();
        var newType = Guid.NewGuid();
        v.BeginMigration("local", retype: true, hasSnapshots: false, Now);
        v.Status.ShouldBe(VolumeStatus.Retyping);
        v.MigratingTo.ShouldBe("local");

        v.MarkMigrating(Now);
        v.MarkMigrationCompleting(Now);
        v.CompleteMigration(newType, multiattach: true, Now);

        (v.Status, v.Backend, v.VolumeTypeId, v.MigrationStatus, v.MigratingTo).ShouldBe((VolumeStatus.Available, "local", newType, MigrationStatus.Success, null));
        v.Multiattach.ShouldBeTrue(); // as the destination was made
    }

    [Fact]
    public void A_failed_migration_leaves_the_volume_where_it_was()
    {
        var v = Available();
        var type = v.VolumeTypeId;
        v.BeginMigration("local", retype: true, hasSnapshots: false, Now);
        v.MarkMigrating(Now);
        v.FailMigration(Now);

        (v.Status, v.Backend, v.VolumeTypeId, v.MigrationStatus, v.MigratingTo).ShouldBe((VolumeStatus.Available, "ceph", type, MigrationStatus.Error, null));
    }

    [Fact]
    public void A_reset_of_the_migration_status_abandons_the_migration_and_a_reset_of_the_status_alone_does_not()
    {
        var kept = Available();
        kept.BeginMigration("local", retype: false, hasSnapshots: false, Now);
        kept.MarkMigrating(Now);
        kept.ResetStatus(VolumeStatus.Available, null, setMigrationStatus: false, Now);

        var reset = Available();
        reset.BeginMigration("local", retype: true, hasSnapshots: false, Now);
        reset.MarkMigrating(Now);
        reset.ResetStatus(VolumeStatus.Available, null, setMigrationStatus: true, Now);

        (kept.MigrationStatus, kept.MigratingTo).ShouldBe((MigrationStatus.Migrating, "local"));
        (reset.Status, reset.Backend, reset.MigrationStatus, reset.MigratingTo, reset.IsMigrating).ShouldBe((VolumeStatus.Available, "ceph", (MigrationStatus?)null, (string?)null, false));
    }

    [Fact]
    public void While_migrating_delete_extend_retype_snapshots_and_a_second_migration_are_refused()
    {
        var v = Available();
        v.BeginMigration("ceph-fast", retype: false, hasSnapshots: false, Now);
        v.Status.ShouldBe(VolumeStatus.Available, "os-migrate_volume leaves the status alone");

        Should.Throw<InvalidVolumeStateException>(() => v.BeginDeletion(false, false, false, Now));
        Should.Throw<InvalidVolumeStateException>(() => v.BeginExtend(2, Now));
        Should.Throw<InvalidVolumeStateException>(() => v.RetypeInPlace(Guid.NewGuid(), Now));
        Should.Throw<InvalidVolumeStateException>(() => v.RequireAvailableForSnapshot(false));
        Should.Throw<InvalidVolumeStateException>(() => v.BeginMigration("local", false, false, Now)).Message.ShouldContain("is already being migrated");
    }

    [Fact]
    public void Snapshots_the_same_backend_and_a_busy_status_are_refused_with_cinders_words()
    {
        Should.Throw<InvalidVolumeStateException>(() => Available().BeginMigration("local", false, hasSnapshots: true, Now)).Message.ShouldEndWith("must not have snapshots.");
        Should.Throw<InvalidRequestException>(() => Available().BeginMigration("ceph", false, false, Now)).Message
            .ShouldBe("Invalid host: Destination host must be different than the current host.");
        var extending = Available();
        extending.BeginExtend(2, Now);
        Should.Throw<InvalidVolumeStateException>(() => extending.BeginMigration("local", true, false, Now)).Message.ShouldContain("status must be available");
    }
}
