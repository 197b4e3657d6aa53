using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>
/// Starting and cancelling migrations, with no worker to run them: one migration job per volume at a time, even once the
/// volume no longer shows one (after an administrator's reset, or after the switch-over while the old copy is removed),
/// and a cancel that changes the volume's row with the job's flag.
/// </summary>
public sealed class MigrationStartTests : ApiTest
{
    [Fact]
    public async Task A_volume_reset_out_of_a_migration_cannot_start_another_until_the_first_job_has_finished()
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync();
        (await t.Admin.Post($"volumes/{id}/action", Action("os-migrate_volume", new { host = "local" }))).ShouldHave(202);
        (await t.Admin.Post($"volumes/{id}/action", Action("os-reset_status", new { status = "available", migration_status = "none" }))).ShouldHave(202);

        (await t.Admin.Post($"volumes/{id}/action", Action("os-migrate_volume", new { host = "local" }))).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {id} has an earlier migration that is still finishing (removing a copy it made or left); try again in a few minutes.");
        var fast = await t.CreateTypeAsync($"fast-{Guid.NewGuid():N}", new() { ["volume_backend_name"] = "ceph-fast" });
        (await t.Member.Post($"volumes/{id}/action", Action("os-retype", new { new_type = fast, migration_policy = "on-demand" }))).ShouldBeFault(400, "badRequest")
            .ShouldContain("has an earlier migration that is still finishing");
        (await t.Member.Get($"volumes/{id}")).ShouldHave(200).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("available",
            "a refused retype leaves the status alone");

        await using (var db = Host.NewDb())
        {
            // What the first job's next step does once it notices the reset: it removes its destination and fails.
            (await db.Jobs.Where(j => j.VolumeId == Guid.Parse(id) && j.Kind == MigrationPlan.Kind)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.State, JobState.Failed))).ShouldBe(1);
        }
        (await t.Admin.Post($"volumes/{id}/action", Action("os-migrate_volume", new { host = "local" }))).ShouldHave(202);
    }

    [Fact]
    public async Task A_cancel_flags_the_job_and_changes_the_volume_row_and_none_is_accepted_past_the_copy()
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync();
        (await t.Admin.Post($"volumes/{id}/action", Action("os-migrate_volume_cancel", new { }))).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {id} has no migration that can be cancelled.");
        (await t.Admin.Post($"volumes/{id}/action", Action("os-migrate_volume", new { host = "local" }))).ShouldHave(202);
        uint before;
        await using (var db = Host.NewDb())
            before = await db.Volumes.Where(v => v.Id == Guid.Parse(id)).Select(v => v.Version).SingleAsync();

        (await t.Admin.Post($"volumes/{id}/action", Action("os-migrate_volume_cancel", new { }))).ShouldHave(202);

        await using (var db = Host.NewDb())
        {
            (await db.Jobs.SingleAsync(j => j.VolumeId == Guid.Parse(id) && j.Kind == MigrationPlan.Kind)).CancelRequested.ShouldBeTrue();
            (await db.Volumes.Where(v => v.Id == Guid.Parse(id)).Select(v => v.Version).SingleAsync())
                .ShouldNotBe(before, "a worker's switch-over compares the row, so it cannot pass the cancel unseen");
            // A worker that finished copying first: past the copy there is nothing left to cancel.
            await db.Database.ExecuteSqlRawAsync("UPDATE blockstore.volumes SET migration_status = 'Completing' WHERE id = {0}", Guid.Parse(id));
        }
        (await t.Admin.Post($"volumes/{id}/action", Action("os-migrate_volume_cancel", new { }))).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {id} has no migration that can be cancelled.");
    }
}
