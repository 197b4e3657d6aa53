using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Snapshots;

public sealed class SnapshotTests : ApiTest
{
    /// <summary>The keys of sample 28 (a snapshot shown at 3.0), in Cinder's order.</summary>
    private static readonly string[] DetailKeys =
    [
        "id", "created_at", "updated_at", "name", "description", "volume_id", "status", "size", "metadata",
        "os-extended-snapshot-attributes:project_id", "os-extended-snapshot-attributes:progress",
    ];

    [Fact]
    public async Task Creating_a_snapshot_answers_202_creating_with_Cinder_s_body_and_charges_snapshots_and_gigabytes()
    {
        var t = NewTenant();
        var volume = await t.CreateAvailableVolumeAsync(size: 2);
        var reply = (await t.Member.Post("snapshots", new { snapshot = new { volume_id = volume, name = "s1", description = "d", metadata = new { k = "v" } } }))
            .ShouldHave(202);
        var s = reply.Json.GetProperty("snapshot");
        s.Keys().ShouldBe(DetailKeys);
        s.GetProperty("status").GetString().ShouldBe("creating");
        s.GetProperty("size").GetInt32().ShouldBe(2);
        s.GetProperty("volume_id").GetString().ShouldBe(volume);
        s.GetProperty("name").GetString().ShouldBe("s1");
        s.GetProperty("metadata").GetProperty("k").GetString().ShouldBe("v");
        s.GetProperty("updated_at").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        s.GetProperty("os-extended-snapshot-attributes:project_id").GetString().ShouldBe(t.ProjectId);
        s.GetProperty("os-extended-snapshot-attributes:progress").GetString().ShouldBe("0%");

        (await Host.UsageAsync(t.ProjectId, QuotaResources.Snapshots)).ShouldBe(1);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Gigabytes)).ShouldBe(4);
        var shown = (await t.Reader.Get($"snapshots/{s.GetProperty("id").GetString()}")).ShouldHave(200).Json.GetProperty("snapshot");
        shown.GetProperty("created_at").GetString().ShouldBe(s.GetProperty("created_at").GetString());
    }

    [Fact]
    public async Task A_created_snapshot_reaches_the_bus_as_a_CreateSnapshot_command()
    {
        var t = NewTenant();
        var volume = await t.CreateAvailableVolumeAsync();
        await using var probe = await BusProbe.ListenAsync(typeof(CreateSnapshot));
        var snapshot = await t.CreateSnapshotAsync(volume);
        var message = await probe.WaitForAsync(snapshot, TimeSpan.FromSeconds(15));
        message.ShouldNotBeNull("the outbox dispatcher should publish CreateSnapshot within seconds of the commit");
        message.ShouldContain(volume);
    }

    [Fact]
    public async Task Newer_microversions_add_their_fields_to_the_detail()
    {
        var t = NewTenant();
        var volume = await t.CreateAvailableVolumeAsync();
        var id = await t.CreateSnapshotAsync(volume);
        var s = (await t.Member.Get($"snapshots/{id}", "3.70")).ShouldHave(200).Json.GetProperty("snapshot");
        s.Keys().ShouldBe([.. DetailKeys[..9], "group_snapshot_id", "user_id", "consumes_quota", .. DetailKeys[9..]]);
        s.GetProperty("consumes_quota").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task A_snapshot_needs_an_available_volume_unless_forced_or_at_3_66()
    {
        var t = NewTenant();
        var creating = await t.CreateVolumeAsync();
        (await t.Member.Post("snapshots", new { snapshot = new { volume_id = creating } })).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {creating} status must be available, but current status is: creating.");

        var inUse = await Host.VolumeAsync(t.ProjectId, VolumeStatus.InUse);
        (await t.Member.Post("snapshots", new { snapshot = new { volume_id = inUse.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldContain("status must be available, but current status is: in-use");
        (await t.Member.Post("snapshots", new { snapshot = new { volume_id = inUse.Id, force = "True" } })).ShouldHave(202);
        (await t.Member.Post("snapshots", new { snapshot = new { volume_id = inUse.Id } }, "3.66")).ShouldHave(202);
        (await t.Member.Post("snapshots", new { snapshot = new { volume_id = inUse.Id, force = false } }, "3.66"))
            .ShouldBeFault(400, "badRequest").ShouldStartWith("Since microversion 3.66 the 'force' flag is invalid for this request.");
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Snapshots)).ShouldBe(2);
    }

    [Fact]
    public async Task Going_over_the_snapshots_quota_is_413_and_nothing_is_written()
    {
        var t = NewTenant();
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", new { quota_set = new { snapshots = 1 } })).ShouldHave(200);
        var volume = await t.CreateAvailableVolumeAsync();
        await t.CreateSnapshotAsync(volume);
        (await t.Member.Post("snapshots", new { snapshot = new { volume_id = volume } })).ShouldBeFault(413, "overLimit")
            .ShouldBe("SnapshotLimitExceeded: Maximum number of snapshots allowed (1) exceeded for quota 'snapshots'.");
        (await t.Member.Get("snapshots")).Json.GetProperty("snapshots").GetArrayLength().ShouldBe(1);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Gigabytes)).ShouldBe(2);
    }

    [Theory]
    [InlineData("{\"snapshot\":{\"volume_id\":\"nope\"}}", 400, "Invalid input for field/attribute volume_id. Value: nope. 'nope' is not a 'uuid'")]
    [InlineData("{\"snapshot\":{\"name\":\"x\"}}", 400, "Invalid input for field/attribute snapshot. 'volume_id' is a required property")]
    [InlineData("{\"snapshot\":{\"volume_id\":\"00000000-0000-0000-0000-000000000000\"}}", 404, "Volume 00000000-0000-0000-0000-000000000000 could not be found.")]
    [InlineData("{\"snapshot\":{\"volume_id\":\"00000000-0000-0000-0000-000000000000\",\"colour\":1}}", 400, "Additional properties are not allowed ('colour' was unexpected)")]
    [InlineData("{\"snapshot\":{\"volume_id\":\"00000000-0000-0000-0000-000000000000\",\"force\":\"maybe\"}}", 400, "Invalid input for field/attribute force. The value has the wrong type or is out of range.")]
    [InlineData("{\"snapshot\":", 400, "Malformed request body")]
    [InlineData("{}", 400, "The server could not comply with the request since it is either malformed or otherwise incorrect.")]
    public async Task A_bad_create_is_answered_as_Cinder_does_and_nothing_is_written(string body, int status, string message)
    {
        var t = NewTenant();
        (await t.Member.Post("snapshots", body)).ShouldBeFault(status, status == 404 ? "itemNotFound" : "badRequest").ShouldBe(message);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Snapshots)).ShouldBe(0);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("nope")]
    public async Task A_missing_snapshot_is_not_found_with_Cinder_s_message(string id)
    {
        var t = NewTenant();
        (await t.Member.Get($"snapshots/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Snapshot {id} could not be found.");
        (await t.Member.Delete($"snapshots/{id}")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Put($"snapshots/{id}", new { snapshot = new { name = "x" } })).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task Lists_filter_by_name_status_and_volume_and_never_show_hidden_snapshots()
    {
        var t = NewTenant();
        var v1 = await Host.VolumeAsync(t.ProjectId);
        var v2 = await Host.VolumeAsync(t.ProjectId);
        var a = await Host.SnapshotAsync(v1, name: "a");
        var b = await Host.SnapshotAsync(v2, SnapshotStatus.Error, name: "b");
        var hidden = await Host.SnapshotAsync(v1, name: "a");
        await using (var db = Host.NewDb())
        {
            (await db.Snapshots.SingleAsync(s => s.Id == hidden.Id)).Hide(Seed.Now());
            await db.SaveChangesAsync();
        }

        async Task<string[]> Ids(string query) =>
            (await t.Member.Get($"snapshots/detail{query}")).ShouldHave(200).Json.GetProperty("snapshots").EnumerateArray()
            .Select(s => s.GetProperty("id").GetString()!).Order().ToArray();

        (await Ids("")).ShouldBe(new[] { a.Id.ToString(), b.Id.ToString() }.Order().ToArray());
        (await Ids("?name=a")).ShouldBe([a.Id.ToString()]);
        (await Ids("?status=error")).ShouldBe([b.Id.ToString()]);
        (await Ids($"?volume_id={v1.Id}")).ShouldBe([a.Id.ToString()]);
        (await Ids("?volume_id=nope")).ShouldBeEmpty();
        (await t.Member.Get($"snapshots/{hidden.Id}")).ShouldBeFault(404, "itemNotFound");

        var summary = (await t.Member.Get("snapshots?limit=1", "3.45")).ShouldHave(200).Json;
        summary.GetProperty("snapshots")[0].Keys().ShouldBe(DetailKeys[..9]);
        summary.GetProperty("snapshots_links")[0].GetProperty("href").GetString()!.ShouldContain($"/v3/{t.ProjectId}/snapshots?limit=1&marker=");
        (await t.Member.Get("snapshots?with_count=true", "3.45")).Json.GetProperty("count").GetInt32().ShouldBe(2);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("display_name")] // cinderclient's snapshot-list --sort name sends Cinder's column name
    public async Task Lists_sort_by_name_under_either_of_its_names(string key)
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        foreach (var name in new[] { "b", "a", "c" }) await Host.SnapshotAsync(volume, name: name);

        async Task<string[]> Names(string dir) =>
            (await t.Member.Get($"snapshots/detail?sort={key}:{dir}")).ShouldHave(200).Json.GetProperty("snapshots").EnumerateArray()
            .Select(s => s.GetProperty("name").GetString()!).ToArray();

        (await Names("asc")).ShouldBe(["a", "b", "c"]);
        (await Names("desc")).ShouldBe(["c", "b", "a"]);
    }

    [Fact]
    public async Task Updating_a_snapshot_changes_its_name_and_description()
    {
        var t = NewTenant();
        var s = await Host.SnapshotAsync(await Host.VolumeAsync(t.ProjectId), name: "old");
        var updated = (await t.Member.Put($"snapshots/{s.Id}", new { snapshot = new { name = "new", description = "why" } }))
            .ShouldHave(200).Json.GetProperty("snapshot");
        updated.GetProperty("name").GetString().ShouldBe("new");
        updated.GetProperty("description").GetString().ShouldBe("why");
        (await t.Member.Put($"snapshots/{s.Id}", new { snapshot = new { display_name = "legacy" } })).Json
            .GetProperty("snapshot").GetProperty("name").GetString().ShouldBe("legacy");
        (await t.Member.Put($"snapshots/{s.Id}", new { snapshot = new { } })).ShouldBeFault(400, "badRequest");
        (await t.Member.Put($"snapshots/{s.Id}", new { snapshot = new { name = "x", size = 3 } })).ShouldBeFault(400, "badRequest");
        (await t.Reader.Put($"snapshots/{s.Id}", new { snapshot = new { name = "x" } })).ShouldBeFault(403, "forbidden");
    }

    [Fact]
    public async Task Deleting_a_snapshot_answers_202_and_a_second_delete_is_refused()
    {
        var t = NewTenant();
        var s = await Host.SnapshotAsync(await Host.VolumeAsync(t.ProjectId));
        (await t.Member.Delete($"snapshots/{s.Id}")).ShouldHave(202);
        (await t.Member.StatusOfAsync("snapshot", s.Id.ToString())).ShouldBe("deleting");
        (await t.Member.Delete($"snapshots/{s.Id}")).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid snapshot: Snapshot status must be available or error and must not be part of a group.");
    }

    [Fact]
    public async Task Snapshot_metadata_merges_replaces_and_removes_keys()
    {
        var t = NewTenant();
        var s = await Host.SnapshotAsync(await Host.VolumeAsync(t.ProjectId));
        var path = $"snapshots/{s.Id}/metadata";
        (await t.Member.Post(path, new { metadata = new { a = "1", b = "2" } })).ShouldHave(200);
        (await t.Member.Post(path, new { metadata = new { c = "3" } })).Json.GetProperty("metadata").Keys().Order().ShouldBe(["a", "b", "c"]);
        (await t.Member.Put(path, new { metadata = new { z = "9" } })).Json.GetProperty("metadata").Keys().ShouldBe(["z"]);
        (await t.Member.Get($"{path}/z")).ShouldHave(200).Json.GetProperty("meta").GetProperty("z").GetString().ShouldBe("9");
        (await t.Member.Put($"{path}/y", new { meta = new { y = "8" } })).ShouldHave(200);
        (await t.Member.Put($"{path}/y", new { meta = new { x = "8" } })).ShouldBeFault(400, "badRequest").ShouldBe("Request body and URI mismatch");
        (await t.Member.Delete($"{path}/z")).ShouldHave(200);
        (await t.Member.Get($"{path}/z")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Snapshot {s.Id} has no metadata with key z.");
        (await t.Reader.Post(path, new { metadata = new { r = "1" } })).ShouldBeFault(403, "forbidden");
        (await t.Member.Get(path)).Json.GetProperty("metadata").Keys().ShouldBe(["y"]);
    }

    [Fact]
    public async Task A_snapshot_a_volume_is_still_being_created_from_waits_for_it_before_it_can_be_deleted()
    {
        var t = NewTenant();
        var snapshot = await Host.SnapshotAsync(await Host.VolumeAsync(t.ProjectId));
        var created = (await t.Member.Post("volumes", new { volume = new { snapshot_id = snapshot.Id } })).ShouldHave(202).Json.GetProperty("volume");
        created.GetProperty("snapshot_id").GetString().ShouldBe(snapshot.Id.ToString());
        var clone = created.GetProperty("id").GetString()!;

        (await t.Member.Delete($"snapshots/{snapshot.Id}")).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid snapshot: Snapshot {snapshot.Id} has a volume still being created from it; delete it once that volume is available.");
        (await t.Member.StatusOfAsync("snapshot", snapshot.Id.ToString())).ShouldBe("available");

        (await t.Admin.Post($"volumes/{clone}/action", Action("os-reset_status", new { status = "available" }))).ShouldHave(202);
        (await t.Member.Delete($"snapshots/{snapshot.Id}")).ShouldHave(202);
    }

    [Fact]
    public async Task A_snapshot_delete_racing_a_create_from_it_never_lets_both_through()
    {
        var t = NewTenant();
        var parent = await Host.VolumeAsync(t.ProjectId);
        for (var round = 0; round < 15; round++)
        {
            var snapshot = await Host.SnapshotAsync(parent);
            var create = t.Member.Post("volumes", new { volume = new { snapshot_id = snapshot.Id } });
            var delete = t.Member.Delete($"snapshots/{snapshot.Id}");
            var statuses = new[] { (await create).Status, (await delete).Status };
            statuses.Count(s => s == 202).ShouldBe(1, $"round {round}: create and delete answered {statuses[0]} and {statuses[1]}");
            statuses.Count(s => s == 400).ShouldBe(1);
        }
    }

    [Fact]
    public async Task An_admin_resets_or_force_deletes_a_stuck_snapshot_and_others_may_not()
    {
        var t = NewTenant();
        var stuck = await Host.SnapshotAsync(await Host.VolumeAsync(t.ProjectId), SnapshotStatus.Creating);
        var path = $"snapshots/{stuck.Id}/action";
        (await t.Member.Post(path, Action("os-reset_status", new { status = "available" }))).ShouldBeFault(403, "forbidden");
        (await t.Admin.Post(path, Action("os-reset_status", new { status = "sleeping" }))).ShouldBeFault(400, "badRequest");
        (await t.Admin.Post(path, Action("os-reset_status", new { status = "error_deleting" }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("snapshot", stuck.Id.ToString())).ShouldBe("error_deleting");
        (await t.Admin.Post(path, """{"os-force_delete": null}""")).ShouldHave(202); // as cinderclient sends it
        (await t.Member.StatusOfAsync("snapshot", stuck.Id.ToString())).ShouldBe("deleting");
        (await t.Admin.Post(path, Action("os-unknown", new { }))).ShouldBeFault(400, "badRequest").ShouldBe("There is no such action: os-unknown");
    }
}
