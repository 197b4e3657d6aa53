using System.Globalization;
using System.Net;
using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Jobs;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Tests;

/// <summary>Retype and migration end to end: real API and worker processes, real Ceph pools and a real file directory.</summary>
[Collection(StackCollection.Name)]
public sealed class MigrationTests(LifecycleFixture stack) : IAsyncLifetime
{
    private const long MiB = MigrationSupport.MiB;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly MigrationSupport _backends = new();
    private readonly string _project = Guid.NewGuid().ToString("N");
    private HttpClient _member = null!, _admin = null!;
    private string _ceph = "", _cephFast = "", _local = "";

    public async Task InitializeAsync()
    {
        _member = stack.Client(_project);
        _admin = stack.AdminClient(_project);
        _ceph = await MigrationSupport.TypeForAsync(_admin, "ceph");
        _cephFast = await MigrationSupport.TypeForAsync(_admin, "ceph-fast");
        _local = await MigrationSupport.TypeForAsync(_admin, "local");
    }

    [Fact]
    public async Task Retype_on_demand_moves_a_volume_from_ceph_to_a_file_and_back_with_equal_hashes_and_nothing_left_behind()
    {
        var id = await CreateAsync(_ceph);
        await _backends.WriteAsync("ceph", id, (0, 3), (300, 5), (1000, 1));
        var hash = await _backends.Sha256Async("ceph", id);

        (await Retype(id, _local)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        // The volume shows retyping from the 202 (the API tests hold it there, with no worker); a move of 9 MiB can be
        // done before this read, as it was once in CI at 98c24c8, and then the checks below judge it.
        (await MigrationSupport.ShowAsync(_member, id)).GetProperty("status").GetString().ShouldBeOneOf("retyping", "available");
        var moved = await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout);

        moved.GetProperty("migration_status").GetString().ShouldBe("success");
        moved.GetProperty("status").GetString().ShouldBe("available");
        moved.GetProperty("volume_type").GetString().ShouldBe(_local);
        moved.GetProperty("os-vol-host-attr:host").GetString()!.ShouldContain("@local#");
        (await _backends.Sha256Async("local", id)).ShouldBe(hash);
        (await _backends.ExistsAsync("ceph", id)).ShouldBeFalse("the source goes after switch-over");
        // Sparse: the 9 MiB written, the zero MiB skipped; a filesystem block or two of slack.
        (new FileInfo(_backends.FilePath(id)).Length).ShouldBe(1L << 30);
        AllocatedBytes(_backends.FilePath(id)).ShouldBeInRange(9 * MiB, 9 * MiB + 64 * 1024);
        // Reserved in the new type while it moved; in use there, and no longer in the old one, after the switch-over.
        var quota = JsonDocument.Parse(await _member.GetStringAsync($"os-quota-sets/{_project}?usage=True")).RootElement.GetProperty("quota_set");
        (quota.GetProperty($"volumes_{_local}").GetProperty("in_use").GetInt32(), quota.GetProperty($"volumes_{_local}").GetProperty("reserved").GetInt32())
            .ShouldBe((1, 0));
        quota.GetProperty($"gigabytes_{_local}").GetProperty("in_use").GetInt32().ShouldBe(1);
        quota.GetProperty($"volumes_{_ceph}").GetProperty("in_use").GetInt32().ShouldBe(0);

        (await Retype(id, _ceph)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var back = await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout);

        back.GetProperty("migration_status").GetString().ShouldBe("success");
        back.GetProperty("volume_type").GetString().ShouldBe(_ceph);
        (await _backends.Sha256Async("ceph", id)).ShouldBe(hash);
        File.Exists(_backends.FilePath(id)).ShouldBeFalse();
        await DeleteAsync(id, "ceph");
    }

    [Fact]
    public async Task Migrating_between_ceph_pools_copies_server_side_and_keeps_the_data()
    {
        var id = await CreateAsync(_ceph);
        await _backends.WriteAsync("ceph", id, (4, 6), (700, 2));
        var hash = await _backends.Sha256Async("ceph", id);

        (await MigrationSupport.ActAsync(_admin, id, """{"os-migrate_volume":{"host":"somehost@ceph-fast#volumes-fast","force_host_copy":false}}"""))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var moved = await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout);

        moved.GetProperty("migration_status").GetString().ShouldBe("success");
        moved.GetProperty("volume_type").GetString().ShouldBe(_ceph, "os-migrate_volume keeps the type");
        (await _backends.Sha256Async("ceph-fast", id)).ShouldBe(hash);
        (await _backends.ExistsAsync("ceph", id)).ShouldBeFalse();
        MigrationSupport.BytesReadInLog(stack.Worker.Log, id).ShouldBe(0, "a deep copy does not pass the data through the worker");
        stack.Worker.Log.ShouldContain($"Migration of volume {id}: step from 0 to {1L << 30}, 0 bytes read");
        await DeleteAsync(id, "ceph-fast");
    }

    [Fact]
    public async Task A_large_mostly_empty_volume_moves_only_its_data_from_a_file_to_ceph()
    {
        var id = await CreateAsync(_local, size: 16);
        var ranges = Enumerable.Range(0, 8).Select(i => (i * 2000L + 7, 4)).ToArray();
        await _backends.WriteAsync("local", id, ranges);
        var hash = await _backends.Sha256Async("local", id);

        (await MigrationSupport.ActAsync(_admin, id, """{"os-migrate_volume":{"host":"ceph"}}""")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout)).GetProperty("migration_status").GetString().ShouldBe("success");

        // 32 MiB of data and 1 MiB of zeroes were allocated: that is all that is read, of 16 GiB.
        MigrationSupport.BytesReadInLog(stack.Worker.Log, id).ShouldBe(33 * MiB);
        RbdUsedBytes("volumes", id).ShouldBeLessThanOrEqualTo(8 * 2 * 4 * MiB, "at most two 4 MiB objects per range are written");
        (await _backends.Sha256Async("ceph", id)).ShouldBe(hash);
        File.Exists(_backends.FilePath(id)).ShouldBeFalse();
        await DeleteAsync(id, "ceph");
    }

    [Fact]
    public async Task A_worker_killed_half_way_resumes_from_its_checkpoint_and_finishes_with_equal_hashes_and_no_orphan()
    {
        var id = await CreateAsync(_ceph);
        await _backends.WriteAsync("ceph", id, (0, 96), (400, 96), (900, 64));
        var hash = await _backends.Sha256Async("ceph", id);
        // Paced, so that the kill lands half-way on any machine: unpaced, the 256 MiB took under a second here, and
        // the rest of the copy sometimes finished between the progress the test saw and the kill.
        await stack.RestartWorkerAsync(new Dictionary<string, string> { ["Migration__MaxBytesPerSecond"] = (64 << 20).ToString(CultureInfo.InvariantCulture) });

        (await Retype(id, _local)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var beforeKill = await MigrationSupport.WaitProgressAsync(_admin, id, 45, Timeout);
        stack.Worker.Kill();
        await stack.RestartWorkerAsync();
        var moved = await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout);

        moved.GetProperty("migration_status").GetString().ShouldBe("success");
        var (copiedBeforeKill, total) = (beforeKill.GetProperty("bytes_copied").GetInt64(), beforeKill.GetProperty("bytes_total").GetInt64());
        beforeKill.GetProperty("percent").GetInt32().ShouldBeLessThan(100, "the kill must land half-way for this test to mean anything");
        // Resumed, not restarted: the new worker reads what was left, plus at most the step that was in flight.
        var stepsAfterRestart = MigrationSupport.StepsInLog(stack.Worker.Log, id);
        stepsAfterRestart.ShouldNotBeEmpty();
        stepsAfterRestart.ShouldAllBe(s => s.From > 0, "no step of the new worker starts from the beginning");
        // migration_progress runs ahead of the committed checkpoint by at most the step in flight (16 MiB, plus
        // the chunks issued when the bound was reached: 4 × 4 MiB by default, 8 allowed for here), and only
        // that step is read again.
        MigrationSupport.BytesReadInLog(stack.Worker.Log, id).ShouldBeLessThanOrEqualTo(total - copiedBeforeKill + 48 * MiB,
            $"copied before the kill: {copiedBeforeKill} of {total}; steps after restart (from, read): {string.Join(", ", stepsAfterRestart)}");
        (await _backends.Sha256Async("local", id)).ShouldBe(hash);
        (await _backends.ExistsAsync("ceph", id)).ShouldBeFalse("no orphan source");
        (await LifecycleFixture.RbdImagesAsync("volumes")).ShouldNotContain($"volume-{id}");
        await DeleteAsync(id, "local");
    }

    [Fact]
    public async Task Progress_events_come_at_most_once_per_interval_across_the_steps_of_a_migration()
    {
        // 128 MiB in 16 MiB steps (the fixture's StepBytes): eight steps, each a new lease on the job, all
        // within a few of the fixture's 1 s ProgressEventInterval.
        var id = await CreateAsync(_ceph);
        await _backends.WriteAsync("ceph", id, (0, 64), (500, 64));
        await using var probe = await BusProbe.ListenAsync(typeof(BlockStore.Contracts.MigrationProgressed));

        (await Retype(id, _local)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout)).GetProperty("migration_status").GetString().ShouldBe("success");
        await Task.Delay(TimeSpan.FromSeconds(1)); // the last events leave the worker's outbox
        var events = (await probe.DrainAsync(id.ToString()))
            .Select(body => JsonDocument.Parse(body).RootElement.GetProperty("message"))
            .Select(m => (At: m.GetProperty("at").GetDateTime(), Percent: m.GetProperty("percent").GetDouble()))
            .OrderBy(e => e.At).ToList();

        events.ShouldNotBeEmpty("a migration of several steps reports its progress");
        for (var i = 1; i < events.Count; i++)
        {
            (events[i].At - events[i - 1].At).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1),
                $"events at {string.Join(", ", events.Select(e => $"{e.At:HH:mm:ss.fff} ({e.Percent}%)"))}");
            events[i].Percent.ShouldBeGreaterThanOrEqualTo(events[i - 1].Percent);
        }
        await DeleteAsync(id, "local");
    }

    [Fact]
    public async Task Cancelling_half_way_removes_the_destination_and_leaves_the_source_intact()
    {
        var (id, hash) = await RetypeToLocalHalfWayAsync();
        (await MigrationSupport.ActAsync(_member, id, """{"os-migrate_volume_cancel":{}}""")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await MigrationSupport.ActAsync(_admin, id, """{"os-migrate_volume_cancel":{}}""")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var after = await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout);

        after.GetProperty("migration_status").GetString().ShouldBe("error");
        after.GetProperty("status").GetString().ShouldBe("available");
        after.GetProperty("volume_type").GetString().ShouldBe(_ceph);
        File.Exists(_backends.FilePath(id)).ShouldBeFalse("the destination is removed");
        (await _backends.Sha256Async("ceph", id)).ShouldBe(hash);
        await DeleteAsync(id, "ceph");
    }

    [Fact]
    public async Task An_admin_reset_half_way_abandons_the_migration_and_its_destination_and_keeps_the_source()
    {
        var (id, hash) = await RetypeToLocalHalfWayAsync();
        (await MigrationSupport.ActAsync(_admin, id, """{"os-reset_status":{"status":"available","migration_status":"none"}}"""))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);

        await ImageFlows.WaitUntilAsync(() => Task.FromResult(!File.Exists(_backends.FilePath(id))), "the abandoned destination is removed", (int)Timeout.TotalSeconds);
        var after = await MigrationSupport.ShowAsync(_admin, id);
        after.GetProperty("status").GetString().ShouldBe("available");
        after.GetProperty("migration_status").ValueKind.ShouldBe(JsonValueKind.Null, "the administrator's choice stands");
        after.GetProperty("volume_type").GetString().ShouldBe(_ceph);
        (await _backends.Sha256Async("ceph", id)).ShouldBe(hash);
        // No longer migrating: it can be changed again.
        (await MigrationSupport.ActAsync(_member, id, """{"os-extend":{"new_size":2}}""")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await ImageFlows.WaitUntilAsync(async () => await MigrationSupport.ShowAsync(_member, id) is var v
            && v.GetProperty("status").GetString() == "available" && v.GetProperty("size").GetInt32() == 2, "the extend is done", (int)Timeout.TotalSeconds);
        await DeleteAsync(id, "ceph");
    }

    [Fact]
    public async Task A_migration_whose_steps_keep_failing_is_failed_with_a_message_and_the_volume_stays_where_it_was()
    {
        var id = await CreateAsync(_ceph);
        var hash = await _backends.Sha256Async("ceph", id);
        // A retype to a backend this worker does not have (configured once, since removed): every step fails at once.
        await using (var db = StackEnvironment.NewDb())
        {
            var volume = await db.Volumes.SingleAsync(v => v.Id == id);
            var now = DateTime.UtcNow;
            volume.BeginMigration("gone", retype: true, hasSnapshots: false, now);
            db.Jobs.Add(Job.Start(MigrationPlan.Kind, id, volume.ProjectId, now.AddMinutes(-1), new MigrationPlan("ceph", "gone", null, false).ToJson()));
            await db.SaveChangesAsync();
        }

        var after = await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout);
        after.GetProperty("migration_status").GetString().ShouldBe("error");
        after.GetProperty("status").GetString().ShouldBe("available");
        using var asked = new HttpRequestMessage(HttpMethod.Get, "messages") { Headers = { { "OpenStack-API-Version", "volume 3.3" } } };
        using var answer = await _member.SendAsync(asked);
        var messages = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("messages");
        messages.EnumerateArray().ShouldContain(m => m.GetProperty("resource_uuid").GetString() == id.ToString()
            && m.GetProperty("user_message").GetString()!.Contains("could not be migrated to backend 'gone'; it stays where it was."));
        (await _backends.Sha256Async("ceph", id)).ShouldBe(hash);
        await DeleteAsync(id, "ceph");
    }

    [Fact]
    public async Task Refusals_never_across_backends_snapshots_a_second_migration_non_admins_and_changes_while_migrating()
    {
        var id = await CreateAsync(_ceph);
        await _backends.WriteAsync("ceph", id, (0, 128));

        await ShouldRefuse(await Retype(id, _local, "never"), 400, "Invalid volume: Retype requires migration but is not allowed.");
        await ShouldRefuse(await MigrationSupport.ActAsync(_member, id, """{"os-migrate_volume":{"host":"local"}}"""), 403, "Policy doesn't allow");
        await ShouldRefuse(await MigrationSupport.ActAsync(_admin, id, """{"os-migrate_volume":{"host":"ceph"}}"""), 400,
            "Invalid host: Destination host must be different than the current host.");
        await ShouldRefuse(await MigrationSupport.ActAsync(_admin, id, """{"os-migrate_volume":{"host":"h@nowhere#x"}}"""), 400,
            "Invalid host: No available service named h@nowhere#x");

        (await MigrationSupport.ActAsync(_admin, id, """{"os-migrate_volume":{"host":"local","force_host_copy":true}}""")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await ShouldRefuse(await MigrationSupport.ActAsync(_admin, id, """{"os-migrate_volume":{"host":"ceph-fast"}}"""), 400, $"Volume {id} is already being migrated.");
        await ShouldRefuse(await Retype(id, _cephFast), 400, $"Volume {id} is already part of an active migration.");
        await ShouldRefuse(await MigrationSupport.ActAsync(_member, id, """{"os-extend":{"new_size":2}}"""), 400, "Invalid volume:");
        await ShouldRefuse(await _member.DeleteAsync($"volumes/{id}"), 400, "must not be migrating");
        (await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout)).GetProperty("migration_status").GetString().ShouldBe("success");

        await ShouldRefuse(await _member.PostAsync("snapshots", new StringContent($$$"""{"snapshot":{"volume_id":"{{{id}}}"}}""", System.Text.Encoding.UTF8, "application/json")),
            400, "supports no snapshots or clones");
        await DeleteAsync(id, "local");

        var withSnapshot = await CreateAsync(_ceph);
        var snapshot = await _member.PostAsync("snapshots", new StringContent($$$"""{"snapshot":{"volume_id":"{{{withSnapshot}}}"}}""", System.Text.Encoding.UTF8, "application/json"));
        snapshot.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await ShouldRefuse(await Retype(withSnapshot, _local), 400, $"Invalid volume: Volume {withSnapshot} must not have snapshots.");
    }

    public async Task DisposeAsync()
    {
        _member.Dispose();
        _admin.Dispose();
        await _backends.DisposeAsync();
    }

    private async Task<Guid> CreateAsync(string type, int size = 1)
    {
        var id = await LifecycleFixture.CreateVolumeAsync(_member, size, type);
        var until = DateTime.UtcNow + Timeout;
        while ((await MigrationSupport.ShowAsync(_member, id)).GetProperty("status").GetString() != "available")
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"volume {id} did not become available");
            await Task.Delay(200);
        }
        return id;
    }

    /// <summary>A ceph volume holding 256 MiB, being retyped to the file backend and at least 10% copied.</summary>
    private async Task<(Guid Id, string Hash)> RetypeToLocalHalfWayAsync()
    {
        var id = await CreateAsync(_ceph);
        await _backends.WriteAsync("ceph", id, (0, 128), (500, 128));
        var hash = await _backends.Sha256Async("ceph", id);
        (await Retype(id, _local)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await MigrationSupport.WaitProgressAsync(_admin, id, 10, Timeout);
        return (id, hash);
    }

    private Task<HttpResponseMessage> Retype(Guid id, string type, string policy = "on-demand") =>
        MigrationSupport.ActAsync(_member, id, $$$"""{"os-retype":{"new_type":"{{{type}}}","migration_policy":"{{{policy}}}"}}""");

    private async Task DeleteAsync(Guid id, string backend)
    {
        (await _member.DeleteAsync($"volumes/{id}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var until = DateTime.UtcNow + Timeout;
        while (await _backends.ExistsAsync(backend, id))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"volume {id} was not removed from {backend}");
            await Task.Delay(200);
        }
    }

    private static async Task ShouldRefuse(HttpResponseMessage response, int status, string message)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, body);
        body.ShouldContain(message);
    }

    private static long AllocatedBytes(string path)
    {
        var (_, output) = StackEnvironment.RunAsync("stat", $"-c %b {path}").GetAwaiter().GetResult();
        return long.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture) * 512;
    }

    private static long RbdUsedBytes(string pool, Guid id)
    {
        var (_, output) = StackEnvironment.RunAsync("rbd", $"du --format json {pool}/volume-{id}").GetAwaiter().GetResult();
        return JsonDocument.Parse(output).RootElement.GetProperty("images")[0].GetProperty("used_size").GetInt64();
    }
}
