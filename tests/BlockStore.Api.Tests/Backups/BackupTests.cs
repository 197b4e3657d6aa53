using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Backups;
using BlockStore.Core.Jobs;
using BlockStore.Core.Services;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Backups;

/// <summary>
/// The backups API against the real database, with a backup service stamped up as a worker with a store stamps it (no
/// worker runs here: backups stay where the API leaves them).
/// </summary>
public sealed class BackupTests : ApiTest
{
    private const string Detail = "3.64";

    [Fact]
    public async Task A_backup_is_accepted_with_its_volume_backing_up_and_its_job_and_charge_in_the_same_commit()
    {
        await Host.ReportBackupServiceAsync();
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId, size: 3);

        var created = (await t.Member.Post("backups", new { backup = new { volume_id = volume.Id, name = "b", description = "d", metadata = new { k = "v" } } }, "3.43"))
            .ShouldHave(202).Json.GetProperty("backup");
        created.Keys().ShouldBe(["id", "name", "links"]);
        var id = created.GetProperty("id").GetString()!;
        var shown = (await t.Member.Get($"backups/{id}", "3.43")).ShouldHave(200).Json.GetProperty("backup");
        (shown.GetProperty("status").GetString(), shown.GetProperty("size").GetInt32(), shown.GetProperty("name").GetString()).ShouldBe(("creating", 3, "b"));
        shown.GetProperty("metadata").GetProperty("k").GetString().ShouldBe("v");
        shown.GetProperty("volume_id").GetString().ShouldBe(volume.Id.ToString());
        shown.GetProperty("container").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null, "the worker's first step sets it");
        (await t.Member.StatusOfAsync("volume", volume.Id.ToString())).ShouldBe("backing-up");
        (await Host.UsageAsync(t.ProjectId, "backups"), await Host.UsageAsync(t.ProjectId, "backup_gigabytes")).ShouldBe((1, 3));
        await using (var db = Host.NewDb())
            (await db.Jobs.SingleAsync(j => j.VolumeId == volume.Id)).Kind.ShouldBe(BackupPlan.BackupKind);

        (await t.Member.Post("backups", new { backup = new { volume_id = volume.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid volume: Volume to be backed up must be available or in-use, but the current status is \"backing-up\".");
        (await t.Member.Delete($"volumes/{volume.Id}")).ShouldBeFault(400, "badRequest");
        (await t.Member.Delete($"backups/{id}")).ShouldBeFault(400, "badRequest").ShouldBe(Backup.DeleteRefused);
    }

    [Fact]
    public async Task Cinder_s_checks_come_first_and_a_refused_backup_writes_nothing()
    {
        await Host.ReportBackupServiceAsync();
        var t = NewTenant();
        var available = await Host.VolumeAsync(t.ProjectId);
        var inUse = await Host.VolumeAsync(t.ProjectId, VolumeStatus.InUse);
        var inUseFile = await Host.VolumeAsync(t.ProjectId, VolumeStatus.InUse, backend: "local");
        var creating = await Host.VolumeAsync(t.ProjectId, VolumeStatus.Creating);
        var other = await Host.VolumeAsync(NewTenant().ProjectId);
        var otherSnapshot = await Host.SnapshotAsync(other);
        var busySnapshot = await Host.SnapshotAsync(available, SnapshotStatus.Creating);

        (await t.Member.Post("backups", new { backup = new { volume_id = inUse.Id } }))
            .ShouldBeFault(400, "badRequest").ShouldBe("Invalid volume: Backing up an in-use volume must use the force flag.");
        (await t.Member.Post("backups", new { backup = new { volume_id = inUseFile.Id, force = true } })).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {inUseFile.Id} is attached, and its backend 'local' takes no snapshots to back it up from; detach it first.");
        (await t.Member.Post("backups", new { backup = new { volume_id = creating.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid volume: Volume to be backed up must be available or in-use, but the current status is \"creating\".");
        (await t.Member.Post("backups", new { backup = new { volume_id = available.Id, snapshot_id = busySnapshot.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid snapshot: Snapshot to be backed up must be available, but the current status is \"creating\".");
        (await t.Member.Post("backups", new { backup = new { volume_id = available.Id, snapshot_id = otherSnapshot.Id } })).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post("backups", new { backup = new { volume_id = other.Id } })).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"Volume {other.Id} could not be found.");
        (await t.Member.Post("backups", new { backup = new { volume_id = available.Id, incremental = true } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid backup: Incremental backups are not supported: every backup is a full copy of its volume.");
        (await t.Member.Post("backups", new { backup = new { volume_id = available.Id, container = "elsewhere" } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: Backups are kept in the backup store's own container, which cannot be chosen.");
        (await t.Member.Post("backups", new { backup = new { name = "b" } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute backup. 'volume_id' is a required property");
        (await t.Member.Post("backups", new { backup = new { volume_id = available.Id, color = "red" } })).ShouldBeFault(400, "badRequest");
        (await t.Member.Post("backups", new { backup = new { volume_id = available.Id, metadata = new { k = "v" } } }, "3.42")).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute backup. Additional properties are not allowed ('metadata' was unexpected)");
        (await t.Member.Post("backups", new { backup = new { volume_id = available.Id, availability_zone = "nova" } }, "3.50")).ShouldBeFault(400, "badRequest");
        (await t.Member.Post("backups", new { backup = new { volume_id = available.Id, availability_zone = "elsewhere" } }, "3.51"))
            .ShouldBeFault(503, "serviceUnavailable").ShouldBe("Service cinder-backup could not be found.");
        (await t.Reader.Post("backups", new { backup = new { volume_id = available.Id } })).ShouldBeFault(403, "forbidden");

        (await t.Member.Get("backups")).ShouldHave(200).Json.GetProperty("backups").GetArrayLength().ShouldBe(0);
        (await Host.UsageAsync(t.ProjectId, "backups")).ShouldBe(0);
        (await t.Member.StatusOfAsync("volume", available.Id.ToString())).ShouldBe("available");
        (await t.Member.StatusOfAsync("snapshot", busySnapshot.Id.ToString())).ShouldBe("creating");
    }

    [Fact]
    public async Task Without_a_backup_service_up_creates_and_restores_answer_Cinder_s_503()
    {
        // Every service row is down to an API whose services go down after 2 ms.
        using var api = new ConfiguredApi(new Dictionary<string, string?> { ["Services:ReportInterval"] = "00:00:00.001", ["Services:DownAfter"] = "00:00:00.002" });
        var project = $"p{Guid.NewGuid():N}";
        var member = new ApiClient(api.CreateClient(), $"member:{project}", project);
        var volume = await Host.VolumeAsync(project);
        var backup = await Host.BackupAsync(volume);

        (await member.Post("backups", new { backup = new { volume_id = volume.Id } })).ShouldBeFault(503, "serviceUnavailable")
            .ShouldBe("Service cinder-backup could not be found.");
        (await member.Post($"backups/{backup.Id}/restore", new { restore = new { volume_id = volume.Id } })).ShouldBeFault(503, "serviceUnavailable");
        (await member.StatusOfAsync("volume", volume.Id.ToString())).ShouldBe("available");
        (await member.StatusOfAsync("backup", backup.Id.ToString())).ShouldBe("available");
    }

    [Fact]
    public async Task A_backup_service_that_cannot_reach_its_store_is_listed_down_and_without_a_volume_service_s_fields()
    {
        await Host.ReportBackupServiceAsync();
        var host = $"backup-{Guid.NewGuid():N}";
        await using var db = Host.NewDb();
        await ServiceRegistry.StampBackupAsync(db, host, "nova", new BackendReport(false), DateTime.UtcNow, CancellationToken.None);
        try
        {
            var rows = (await NewTenant().Admin.Get("os-services?binary=cinder-backup", "3.49")).ShouldHave(200).Json.GetProperty("services")
                .EnumerateArray().ToList();
            var unreachable = rows.Single(r => r.GetProperty("host").GetString() == host);
            unreachable.GetProperty("state").GetString().ShouldBe("down");
            unreachable.Keys().ShouldBe(["binary", "host", "zone", "status", "state", "updated_at", "cluster", "disabled_reason"]);
            rows.Single(r => r.GetProperty("host").GetString() == "api-tests").GetProperty("state").GetString().ShouldBe("up");
        }
        finally
        {
            await db.Services.Where(s => s.Host == host).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task Over_its_quotas_a_backup_is_refused_in_Cinder_s_words()
    {
        await Host.ReportBackupServiceAsync();
        var t = NewTenant();
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", new { quota_set = new { backups = 1, backup_gigabytes = 3 } })).ShouldHave(200);
        var first = await Host.VolumeAsync(t.ProjectId, size: 2);
        var second = await Host.VolumeAsync(t.ProjectId, size: 2);

        (await t.Member.Post("backups", new { backup = new { volume_id = first.Id } })).ShouldHave(202);
        (await t.Member.Post("backups", new { backup = new { volume_id = second.Id } })).ShouldBeFault(413, "overLimit")
            .ShouldBe("VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested 2G, quota is 3G and 2G has been consumed.");
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", new { quota_set = new { backup_gigabytes = 10 } })).ShouldHave(200);
        (await t.Member.Post("backups", new { backup = new { volume_id = second.Id } })).ShouldBeFault(413, "overLimit")
            .ShouldBe("BackupLimitExceeded: Maximum number of backups allowed (1) exceeded");
        (await t.Member.StatusOfAsync("volume", second.Id.ToString())).ShouldBe("available", "the refusal rolled the volume's move back");
        (await Host.UsageAsync(t.ProjectId, "backups"), await Host.UsageAsync(t.ProjectId, "backup_gigabytes")).ShouldBe((1, 2));
    }

    [Fact]
    public async Task Lists_shows_and_updates_have_Cinder_s_shapes_at_each_microversion()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        var backup = await Host.BackupAsync(volume, name: "first");
        var second = await Host.BackupAsync(volume, BackupStatus.Error, name: "second");

        var list = (await t.Member.Get("backups")).ShouldHave(200).Json.GetProperty("backups");
        list.EnumerateArray().Select(b => b.GetProperty("id").GetString()).ShouldBe([second.Id.ToString(), backup.Id.ToString()]);
        list[0].Keys().ShouldBe(["id", "name", "links"]);
        var detail = (await t.Member.Get("backups/detail", Detail)).ShouldHave(200).Json.GetProperty("backups")[1];
        detail.Keys().ShouldBe(["id", "status", "size", "object_count", "availability_zone", "container", "created_at", "updated_at", "name",
            "description", "fail_reason", "volume_id", "links", "is_incremental", "has_dependent_backups", "snapshot_id", "data_timestamp", "metadata",
            "user_id", "encryption_key_id"]);
        (await t.Member.Get($"backups/{backup.Id}")).ShouldHave(200).Json.GetProperty("backup").Keys().ShouldNotContain("metadata");
        (await t.Admin.Get($"backups/{backup.Id}", "3.18")).ShouldHave(200).Json.GetProperty("backup")
            .GetProperty("os-backup-project-attr:project_id").GetString().ShouldBe(t.ProjectId);
        (await t.Member.Get("backups?status=error")).ShouldHave(200).Json.GetProperty("backups").GetArrayLength().ShouldBe(1);
        (await t.Member.Get($"backups?volume_id={volume.Id}&limit=1")).ShouldHave(200).Json.GetProperty("backups_links").GetArrayLength().ShouldBe(1);
        (await t.Member.Get($"backups?marker={second.Id}")).ShouldHave(200).Json.GetProperty("backups").GetArrayLength().ShouldBe(1);
        (await t.Member.Get("backups?color=red", "3.33")).ShouldBeFault(400, "badRequest");

        (await t.Member.Put($"backups/{backup.Id}", new { backup = new { name = "renamed" } }, "3.8")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Put($"backups/{backup.Id}", new { backup = new { metadata = new { a = "b" } } }, "3.9")).ShouldBeFault(400, "badRequest");
        var updated = (await t.Member.Put($"backups/{backup.Id}", new { backup = new { name = "renamed", metadata = new { a = "b" } } }, "3.43"))
            .ShouldHave(200).Json.GetProperty("backup");
        (updated.GetProperty("name").GetString(), updated.GetProperty("metadata").GetProperty("a").GetString()).ShouldBe(("renamed", "b"));
        (await t.Reader.Put($"backups/{backup.Id}", new { backup = new { name = "x" } }, "3.9")).ShouldBeFault(403, "forbidden");
        (await NewTenant().Member.Get($"backups/{backup.Id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Backup {backup.Id} could not be found.");
    }

    [Fact]
    public async Task Deletes_and_admin_actions_follow_the_backup_s_status()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        var creating = await Host.BackupAsync(volume, BackupStatus.Creating);
        var available = await Host.BackupAsync(volume);
        var failed = await Host.BackupAsync(volume, BackupStatus.Error);

        (await t.Member.Delete($"backups/{creating.Id}")).ShouldBeFault(400, "badRequest").ShouldBe(Backup.DeleteRefused);
        (await t.Admin.Post($"backups/{creating.Id}/action", new Dictionary<string, object?> { ["os-force_delete"] = new { } }))
            .ShouldBeFault(400, "badRequest").ShouldBe(Backup.ForceDeleteRefused);
        (await t.Member.Post($"backups/{creating.Id}/action", new Dictionary<string, object?> { ["os-reset_status"] = new { status = "error" } }))
            .ShouldBeFault(403, "forbidden");
        (await t.Admin.Post($"backups/{creating.Id}/action", new Dictionary<string, object?> { ["os-reset_status"] = new { status = "deleting" } }))
            .ShouldBeFault(400, "badRequest");
        (await t.Admin.Post($"backups/{creating.Id}/action", new Dictionary<string, object?> { ["os-reset_status"] = new { status = "error" } })).ShouldHave(202);
        (await t.Member.StatusOfAsync("backup", creating.Id.ToString())).ShouldBe("error");

        (await t.Reader.Delete($"backups/{available.Id}")).ShouldBeFault(403, "forbidden");
        (await t.Member.Delete($"backups/{available.Id}")).ShouldHave(202);
        (await t.Member.StatusOfAsync("backup", available.Id.ToString())).ShouldBe("deleting");
        (await t.Member.Delete($"backups/{available.Id}")).ShouldBeFault(400, "badRequest");
        (await t.Admin.Post($"backups/{failed.Id}/action", new Dictionary<string, object?> { ["os-force_delete"] = new { } })).ShouldHave(202);
        (await t.Member.StatusOfAsync("backup", failed.Id.ToString())).ShouldBe("deleting");
        (await t.Admin.Post($"backups/{failed.Id}/action", new { os_unknown = new { } })).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task Restores_check_the_backup_and_the_volume_as_Cinder_does_and_a_new_volume_is_charged()
    {
        await Host.ReportBackupServiceAsync();
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId, size: 2);
        var backup = await Host.BackupAsync(volume);
        var creating = await Host.BackupAsync(volume, BackupStatus.Creating);
        var small = await Host.VolumeAsync(t.ProjectId, size: 1);
        var inUse = await Host.VolumeAsync(t.ProjectId, VolumeStatus.InUse, size: 2);
        var stranger = await Host.VolumeAsync(NewTenant().ProjectId, size: 2);

        (await t.Member.Post($"backups/{creating.Id}/restore", new { restore = new { volume_id = volume.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid backup: Backup status must be available");
        (await t.Member.Post($"backups/{backup.Id}/restore", new { restore = new { volume_id = small.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid volume: volume size 1 is too small to restore backup of size 2.");
        (await t.Member.Post($"backups/{backup.Id}/restore", new { restore = new { volume_id = inUse.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid volume: Volume to be restored to must be available");
        (await t.Member.Post($"backups/{backup.Id}/restore", new { restore = new { volume_id = stranger.Id } })).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post($"backups/{backup.Id}/restore", new { restore = new { volume_id = "nope" } })).ShouldBeFault(400, "badRequest");
        (await t.Reader.Post($"backups/{backup.Id}/restore", new { restore = new { } })).ShouldBeFault(403, "forbidden");
        (await Host.UsageAsync(t.ProjectId, "volumes")).ShouldBe(0, "seeded volumes are not charged; a refused restore charged nothing");

        var restore = (await t.Member.Post($"backups/{backup.Id}/restore", new { restore = (object?)null })).ShouldHave(202).Json.GetProperty("restore");
        restore.Keys().ShouldBe(["backup_id", "volume_id", "volume_name"]);
        restore.GetProperty("volume_name").GetString().ShouldBe($"restore_backup_{backup.Id}");
        var made = restore.GetProperty("volume_id").GetString()!;
        var shown = (await t.Member.Get($"volumes/{made}")).ShouldHave(200).Json.GetProperty("volume");
        (shown.GetProperty("status").GetString(), shown.GetProperty("size").GetInt32()).ShouldBe(("restoring-backup", 2));
        (await t.Member.StatusOfAsync("backup", backup.Id.ToString())).ShouldBe("restoring");
        (await Host.UsageAsync(t.ProjectId, "volumes"), await Host.UsageAsync(t.ProjectId, "gigabytes")).ShouldBe((1, 2));
        (await t.Member.Post($"backups/{backup.Id}/restore", new { restore = new { volume_id = volume.Id } })).ShouldBeFault(400, "badRequest");
        (await t.Member.Delete($"volumes/{made}")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task A_volume_made_from_a_backup_at_3_47_is_restored_into_and_charged_as_a_create()
    {
        await Host.ReportBackupServiceAsync();
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId, size: 2);
        var backup = await Host.BackupAsync(volume);
        var creating = await Host.BackupAsync(volume, BackupStatus.Creating);
        var strangers = await Host.BackupAsync(await Host.VolumeAsync(NewTenant().ProjectId));

        (await t.Member.Post("volumes", new { volume = new { backup_id = backup.Id } }, "3.46")).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: a volume is made from a backup (backup_id) from microversion 3.47.");
        (await t.Member.Post("volumes", new { volume = new { backup_id = backup.Id, size = 1 } }, "3.47")).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: Volume size '1'GB cannot be smaller than the backup size '2'GB.");
        (await t.Member.Post("volumes", new { volume = new { backup_id = creating.Id } }, "3.47")).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid backup: Backup status must be available");
        (await t.Member.Post("volumes", new { volume = new { backup_id = strangers.Id } }, "3.47")).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"Backup {strangers.Id} could not be found.");
        (await t.Member.Post("volumes", new { volume = new { backup_id = backup.Id, snapshot_id = Guid.NewGuid() } }, "3.47")).ShouldBeFault(400, "badRequest");
        (await t.Member.Post("volumes", new { volume = new { backup_id = "nope" } }, "3.47")).ShouldBeFault(400, "badRequest");
        (await Host.UsageAsync(t.ProjectId, "volumes")).ShouldBe(0);

        var made = (await t.Member.Post("volumes", new { volume = new { backup_id = backup.Id, name = "from-backup" } }, "3.47"))
            .ShouldHave(202).Json.GetProperty("volume");
        (made.GetProperty("status").GetString(), made.GetProperty("size").GetInt32(), made.GetProperty("name").GetString())
            .ShouldBe(("restoring-backup", 2, "from-backup"));
        (await t.Member.StatusOfAsync("backup", backup.Id.ToString())).ShouldBe("restoring");
        (await Host.UsageAsync(t.ProjectId, "volumes"), await Host.UsageAsync(t.ProjectId, "gigabytes")).ShouldBe((1, 2));
        await using var db = Host.NewDb();
        var job = await db.Jobs.SingleAsync(j => j.VolumeId == Guid.Parse(made.GetProperty("id").GetString()!));
        (job.Kind, BackupPlan.FromJson(job.Checkpoint).NewVolume).ShouldBe((BackupPlan.RestoreKind, true));
    }
}
