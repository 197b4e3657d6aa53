using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;

namespace BlockStore.Worker.Tests;

/// <summary>
/// Backups end to end: the real API and worker, the volume backends and the stack's backup store (the <c>backups</c> pool),
/// every byte compared by hash.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BackupTests(LifecycleFixture stack) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly MigrationSupport _backends = new();
    private readonly string _project = Guid.NewGuid().ToString("N");
    private HttpClient _member = null!, _admin = null!;
    private string _ceph = "", _local = "";

    public async Task InitializeAsync()
    {
        _member = stack.Client(_project);
        _admin = stack.AdminClient(_project);
        _ceph = await MigrationSupport.TypeForAsync(_admin, "ceph");
        _local = await MigrationSupport.TypeForAsync(_admin, "local");
    }

    [Fact]
    public async Task A_ceph_volume_backed_up_restores_byte_for_byte_into_a_new_volume_and_over_a_larger_one()
    {
        var source = await AvailableVolumeAsync(_ceph);
        await _backends.WriteAsync("ceph", source, (0, 3), (300, 5));
        var hash = await _backends.Sha256Async("ceph", source);
        // A boot volume: a restore makes its volume bootable again, with the image record and the volume's metadata.
        await AcceptedOrOkAsync(_member.PostAsJsonAsync($"volumes/{source}/action", new Dictionary<string, object> { ["os-set_bootable"] = new { bootable = true } }));
        await AcceptedOrOkAsync(_member.PostAsJsonAsync($"volumes/{source}/action",
            new Dictionary<string, object> { ["os-set_image_metadata"] = new { metadata = new { os_distro = "debian" } } }));
        await AcceptedOrOkAsync(_member.PostAsJsonAsync($"volumes/{source}/metadata", new { metadata = new { tier = "gold" } }));

        var backup = await BackupAsync(new { volume_id = source, name = "nightly" });
        backup.GetProperty("container").GetString().ShouldBe("backups");
        backup.GetProperty("size").GetInt32().ShouldBe(1);
        // 8 MiB of data and the allocated zero MiB after it, which is not copied: two 4 MiB chunks.
        backup.GetProperty("object_count").GetInt32().ShouldBe(2);
        (await _backends.BackupSha256Async(Id(backup))).ShouldBe(hash);
        (await StatusAsync($"volumes/{source}", "volume")).ShouldBe("available");
        (await _backends.Backends.Get("ceph").ListSnapshotsAsync($"volume-{source}", default)).ShouldBeEmpty("the backup's own snapshot goes when it ends");

        // Into a new volume, named as asked, charged as a create.
        var restored = (await AcceptedAsync(_member.PostAsJsonAsync($"backups/{Id(backup)}/restore", new { restore = new { name = "from-nightly" } })))
            .GetProperty("restore");
        restored.GetProperty("volume_name").GetString().ShouldBe("from-nightly");
        var made = Guid.Parse(restored.GetProperty("volume_id").GetString()!);
        var madeVolume = await WaitAsync($"volumes/{made}", "volume", "available");
        (await _backends.Sha256Async("ceph", made)).ShouldBe(hash);
        (madeVolume.GetProperty("bootable").GetString(), madeVolume.GetProperty("volume_image_metadata").GetProperty("os_distro").GetString(),
            madeVolume.GetProperty("metadata").GetProperty("tier").GetString()).ShouldBe(("true", "debian", "gold"));
        (await StatusAsync($"backups/{Id(backup)}", "backup")).ShouldBe("available");

        // A volume made from the backup (3.47), larger than it.
        var request = new HttpRequestMessage(HttpMethod.Post, "volumes") { Content = JsonContent.Create(new { volume = new { backup_id = Id(backup), size = 2 } }) };
        request.Headers.Add("OpenStack-API-Version", "volume 3.47");
        var fromBackup = Guid.Parse((await AcceptedAsync(_member.SendAsync(request))).GetProperty("volume").GetProperty("id").GetString()!);
        await WaitAsync($"volumes/{fromBackup}", "volume", "available");

        // Over a larger volume that held other data: the backup's bytes, and zeroes past them, nothing of the old data.
        var larger = await AvailableVolumeAsync(_ceph, size: 2);
        await _backends.WriteAsync("ceph", larger, (1, 1), (1500, 2));
        var expected = await AvailableVolumeAsync(_ceph, size: 2);
        await _backends.WriteAsync("ceph", expected, (0, 3), (300, 5));
        await AcceptedAsync(_member.PostAsJsonAsync($"backups/{Id(backup)}/restore", new { restore = new { volume_id = larger } }));
        await WaitAsync($"volumes/{larger}", "volume", "available");
        (await _backends.Sha256Async("ceph", larger)).ShouldBe(await _backends.Sha256Async("ceph", expected));
        (await _backends.Sha256Async("ceph", fromBackup)).ShouldBe(await _backends.Sha256Async("ceph", expected));

        await DeleteBackupAsync(Id(backup));
    }

    [Fact]
    public async Task An_attached_volume_is_backed_up_with_force_as_it_was_at_one_moment_and_is_in_use_again_after()
    {
        var source = await AvailableVolumeAsync(_ceph);
        await _backends.WriteAsync("ceph", source, (0, 2), (50, 1));
        var hash = await _backends.Sha256Async("ceph", source);
        using var attaching = stack.Client(_project);
        attaching.DefaultRequestHeaders.Add("OpenStack-API-Version", "volume 3.70");
        // The worker stamps its service rows every few seconds; an attachment before its first report of the monitors is refused.
        string? attachment = null;
        var until = DateTime.UtcNow + Timeout;
        while (attachment is null)
        {
            var response = await attaching.PostAsJsonAsync("attachments", new
            {
                attachment = new { volume_uuid = source, instance_uuid = Guid.NewGuid(), connector = new { host = "compute-1", mountpoint = "/dev/vdb" } },
            });
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode == 503 && DateTime.UtcNow < until) { await Task.Delay(1000); continue; }
            ((int)response.StatusCode).ShouldBe(200, body);
            attachment = JsonDocument.Parse(body).RootElement.GetProperty("attachment").GetProperty("id").GetString();
        }
        (await attaching.PostAsJsonAsync($"attachments/{attachment}/action", new Dictionary<string, object?> { ["os-complete"] = null })).StatusCode
            .ShouldBe(HttpStatusCode.NoContent);
        (await StatusAsync($"volumes/{source}", "volume")).ShouldBe("in-use");

        await ShouldRefuse(await _member.PostAsJsonAsync("backups", new { backup = new { volume_id = source } }), 400,
            "Invalid volume: Backing up an in-use volume must use the force flag.");
        var backup = await BackupAsync(new { volume_id = source, force = true });
        (await _backends.BackupSha256Async(Id(backup))).ShouldBe(hash);
        (await StatusAsync($"volumes/{source}", "volume")).ShouldBe("in-use", "back to the status it had");
        (await _backends.Backends.Get("ceph").ListSnapshotsAsync($"volume-{source}", default)).ShouldBeEmpty();

        (await attaching.DeleteAsync($"attachments/{attachment}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await DeleteBackupAsync(Id(backup));
    }

    [Fact]
    public async Task A_backup_of_a_snapshot_holds_the_snapshot_s_data_not_what_was_written_since()
    {
        var source = await AvailableVolumeAsync(_ceph);
        await _backends.WriteAsync("ceph", source, (10, 2));
        var atSnapshot = await _backends.Sha256Async("ceph", source);
        var snapshot = (await AcceptedAsync(_member.PostAsJsonAsync("snapshots", new { snapshot = new { volume_id = source } })))
            .GetProperty("snapshot").GetProperty("id").GetString()!;
        await WaitAsync($"snapshots/{snapshot}", "snapshot", "available");
        await _backends.WriteAsync("ceph", source, (10, 4), (600, 1));

        var backup = await BackupAsync(new { volume_id = source, snapshot_id = snapshot });
        backup.GetProperty("snapshot_id").GetString().ShouldBe(snapshot);
        (await _backends.BackupSha256Async(Id(backup))).ShouldBe(atSnapshot);
        (await StatusAsync($"snapshots/{snapshot}", "snapshot")).ShouldBe("available");
        await DeleteBackupAsync(Id(backup));
    }

    [Fact]
    public async Task A_backup_that_cannot_read_its_snapshot_fails_with_a_message_and_leaves_the_snapshot_and_the_store_as_they_were()
    {
        var source = await AvailableVolumeAsync(_ceph);
        var snapshot = (await AcceptedAsync(_member.PostAsJsonAsync("snapshots", new { snapshot = new { volume_id = source } })))
            .GetProperty("snapshot").GetProperty("id").GetString()!;
        await WaitAsync($"snapshots/{snapshot}", "snapshot", "available");
        // Gone from Ceph behind BlockStore's back (an operator's `rbd snap rm`): the row still says available.
        foreach (var step in new[] { "unprotect", "rm" })
        {
            var (code, output) = await StackEnvironment.RunAsync("rbd", $"snap {step} volumes/volume-{source}@snapshot-{snapshot}");
            code.ShouldBe(0, output);
        }

        var created = (await AcceptedAsync(_member.PostAsJsonAsync("backups", new { backup = new { volume_id = source, snapshot_id = snapshot } })))
            .GetProperty("backup");
        var until = DateTime.UtcNow + Timeout;
        JsonElement failed;
        while ((failed = JsonDocument.Parse(await _member.GetStringAsync($"backups/{Id(created)}")).RootElement.GetProperty("backup").Clone())
               .GetProperty("status").GetString() != "error")
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"backup did not fail: {failed}");
            await Task.Delay(100);
        }
        failed.GetProperty("fail_reason").GetString()!.ShouldNotBeNullOrWhiteSpace();
        (await AdminFlows.MessagesAsync(_admin, Id(created))).ShouldHaveSingleItem().ShouldContain($"Backup {Id(created)} of volume {source} failed");
        (await StatusAsync($"snapshots/{snapshot}", "snapshot")).ShouldBe("available");
        (await StatusAsync($"volumes/{source}", "volume")).ShouldBe("available");
        (await _backends.BackupStore.ExistsAsync($"backup-{Id(created)}", default)).ShouldBeFalse("a failed backup's partial copy goes");
        await DeleteBackupAsync(Id(created));
    }

    [Fact]
    public async Task A_file_volume_is_backed_up_and_restored_and_a_deleted_backup_leaves_nothing_and_gives_its_quota_back()
    {
        await using var created = await BusProbe.ListenAsync(typeof(BackupCreated));
        await using var restored = await BusProbe.ListenAsync(typeof(BackupRestored));
        await using var deleted = await BusProbe.ListenAsync(typeof(BackupDeleted));
        var source = await AvailableVolumeAsync(_local);
        await _backends.WriteAsync("local", source, (0, 1), (900, 3));
        var hash = await _backends.Sha256Async("local", source);

        var backup = await BackupAsync(new { volume_id = source });
        (await _backends.BackupSha256Async(Id(backup))).ShouldBe(hash);
        var usage = await QuotaAsync();
        (usage.GetProperty("backups").GetProperty("in_use").GetInt32(), usage.GetProperty("backup_gigabytes").GetProperty("in_use").GetInt32())
            .ShouldBe((1, 1));

        var target = await AvailableVolumeAsync(_local);
        await AcceptedAsync(_member.PostAsJsonAsync($"backups/{Id(backup)}/restore", new { restore = new { volume_id = target } }));
        await WaitAsync($"volumes/{target}", "volume", "available");
        (await _backends.Sha256Async("local", target)).ShouldBe(hash);

        await DeleteBackupAsync(Id(backup));
        (await _backends.BackupStore.ExistsAsync($"backup-{Id(backup)}", default)).ShouldBeFalse();
        usage = await QuotaAsync();
        (usage.GetProperty("backups").GetProperty("in_use").GetInt32(), usage.GetProperty("backup_gigabytes").GetProperty("in_use").GetInt32())
            .ShouldBe((0, 0));

        // And an orchestrator heard of each (docs/bus.md).
        var id = Id(backup).ToString();
        JsonDocument.Parse((await created.WaitForAsync(id, Timeout))!).RootElement.GetProperty("message").GetProperty("volumeId").GetGuid().ShouldBe(source);
        JsonDocument.Parse((await restored.WaitForAsync(id, Timeout))!).RootElement.GetProperty("message").GetProperty("volumeId").GetGuid().ShouldBe(target);
        (await deleted.WaitForAsync(id, Timeout)).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_worker_killed_in_the_middle_of_a_backup_resumes_it_from_its_checkpoint()
    {
        var source = await AvailableVolumeAsync(_ceph);
        await _backends.WriteAsync("ceph", source, (0, 96), (400, 96), (900, 64));
        var hash = await _backends.Sha256Async("ceph", source);
        // Paced, so that the kill lands after the first step and well before the last on any machine.
        await stack.RestartWorkerAsync(new Dictionary<string, string> { ["Migration__MaxBytesPerSecond"] = (32 << 20).ToString(CultureInfo.InvariantCulture) });

        var created = (await AcceptedAsync(_member.PostAsJsonAsync("backups", new { backup = new { volume_id = source } }))).GetProperty("backup");
        // Killed once a second step has begun: the first one's checkpoint is committed (its commit sends the second).
        var until = DateTime.UtcNow + Timeout;
        while (!Regex.IsMatch(stack.Worker.Log, $@"Job backup of backup {Id(created)}: step from [1-9]"))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"no second step; worker log:\n{stack.Worker.Tail()}");
            await Task.Delay(20);
        }
        stack.Worker.Kill();
        await stack.RestartWorkerAsync();
        var backup = await WaitAsync($"backups/{Id(created)}", "backup", "available");

        // Resumed, not restarted: every step of the new worker starts past the beginning.
        var steps = Regex.Matches(stack.Worker.Log, $@"Job backup of backup {Id(created)}: step from (\d+) to (\d+)")
            .Select(m => (From: long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), To: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();
        steps.ShouldNotBeEmpty("the new worker finished the backup");
        steps.ShouldAllBe(s => s.From > 0, $"steps after the restart: {string.Join(", ", steps)}");
        (await _backends.BackupSha256Async(Id(backup))).ShouldBe(hash);
        (await StatusAsync($"volumes/{source}", "volume")).ShouldBe("available");
        (await _backends.Backends.Get("ceph").ListSnapshotsAsync($"volume-{source}", default)).ShouldBeEmpty();
        await DeleteBackupAsync(Id(backup));
    }

    [Fact]
    public async Task Data_in_the_backup_store_that_no_backup_owns_is_removed_by_the_reconciler()
    {
        var orphan = $"backup-{Guid.NewGuid()}";
        var (made, output) = await StackEnvironment.RunAsync("rbd", $"create --size 1M backups/{orphan}");
        made.ShouldBe(0, output);
        var until = DateTime.UtcNow + Timeout;
        while ((await LifecycleFixture.RbdImagesAsync("backups")).Contains(orphan) && DateTime.UtcNow < until) await Task.Delay(500);
        (await LifecycleFixture.RbdImagesAsync("backups")).ShouldNotContain(orphan, $"worker log:\n{stack.Worker.Tail()}");
    }

    [Fact]
    public async Task Cinder_s_refusals_for_backups_of_busy_volumes_and_restores_onto_small_ones()
    {
        var source = await AvailableVolumeAsync(_ceph, size: 2);
        var backup = await BackupAsync(new { volume_id = source });
        var small = await AvailableVolumeAsync(_ceph);
        await ShouldRefuse(await _member.PostAsJsonAsync($"backups/{Id(backup)}/restore", new { restore = new { volume_id = small } }), 400,
            "Invalid volume: volume size 1 is too small to restore backup of size 2.");
        (await StatusAsync($"volumes/{small}", "volume")).ShouldBe("available");
        (await StatusAsync($"backups/{Id(backup)}", "backup")).ShouldBe("available");
        await DeleteBackupAsync(Id(backup));
    }

    private static Guid Id(JsonElement backup) => Guid.Parse(backup.GetProperty("id").GetString()!);

    /// <summary>Asks for a backup and waits for it to be available; its detail as it is then.</summary>
    private async Task<JsonElement> BackupAsync(object backup)
    {
        var created = (await AcceptedAsync(_member.PostAsJsonAsync("backups", new { backup }))).GetProperty("backup");
        created.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "name", "links"]);
        return await WaitAsync($"backups/{Id(created)}", "backup", "available");
    }

    private async Task DeleteBackupAsync(Guid id)
    {
        (await _member.DeleteAsync($"backups/{id}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var until = DateTime.UtcNow + Timeout;
        while ((await _member.GetAsync($"backups/{id}")).StatusCode != HttpStatusCode.NotFound)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"backup {id} was not deleted");
            await Task.Delay(200);
        }
    }

    private async Task<Guid> AvailableVolumeAsync(string type, int size = 1)
    {
        var id = await LifecycleFixture.CreateVolumeAsync(_member, size, type);
        await WaitAsync($"volumes/{id}", "volume", "available");
        return id;
    }

    private async Task<string?> StatusAsync(string path, string name) =>
        JsonDocument.Parse(await _member.GetStringAsync(path)).RootElement.GetProperty(name).GetProperty("status").GetString();

    /// <summary>Polls until the resource has <paramref name="status"/>; fails at once on an error status.</summary>
    private async Task<JsonElement> WaitAsync(string path, string name, string status)
    {
        var until = DateTime.UtcNow + Timeout;
        while (true)
        {
            var body = JsonDocument.Parse(await _member.GetStringAsync(path)).RootElement.GetProperty(name).Clone();
            var now = body.GetProperty("status").GetString();
            if (now == status) return body;
            if (now!.StartsWith("error", StringComparison.Ordinal)) throw new InvalidOperationException($"{path} ended {now}: {body}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"{path} did not become {status}: {body}");
            await Task.Delay(100);
        }
    }

    private async Task<JsonElement> QuotaAsync() =>
        JsonDocument.Parse(await _member.GetStringAsync($"os-quota-sets/{_project}?usage=True")).RootElement.GetProperty("quota_set");

    private static async Task ShouldRefuse(HttpResponseMessage response, int status, string message)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, body);
        JsonDocument.Parse(body).RootElement.EnumerateObject().Single().Value.GetProperty("message").GetString().ShouldBe(message);
    }

    private static async Task AcceptedOrOkAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Asserts a 202 and returns its body.</summary>
    private static async Task<JsonElement> AcceptedAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task DisposeAsync() => await _backends.DisposeAsync();
}
