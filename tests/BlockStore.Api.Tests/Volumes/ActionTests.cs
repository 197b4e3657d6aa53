using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

public sealed class ActionTests : ApiTest
{
    [Fact]
    public async Task Extending_an_available_volume_answers_202_and_charges_the_growth()
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync(size: 2);
        (await t.Member.Post($"volumes/{id}/action", Action("os-extend", new { new_size = 5 }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("extending");
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Gigabytes)).ShouldBe(5);
    }

    [Fact]
    public async Task Shrinking_is_refused_with_Cinder_s_message()
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync(size: 2);
        (await t.Member.Post($"volumes/{id}/action", Action("os-extend", new { new_size = 1 }))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: New size for extend must be greater than current size. (current: 2, extended: 1).");
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("available");
    }

    [Fact]
    public async Task Extending_past_the_per_volume_limit_is_over_quota()
    {
        var t = NewTenant();
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", new { quota_set = new { per_volume_gigabytes = 3 } })).ShouldHave(200);
        var id = await t.CreateAvailableVolumeAsync(size: 2);
        (await t.Member.Post($"volumes/{id}/action", Action("os-extend", new { new_size = 4 }))).ShouldBeFault(413, "overLimit")
            .ShouldBe("VolumeSizeExceedsLimit: Requested volume size 4G is larger than maximum allowed limit 3G.");
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("available");
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Gigabytes)).ShouldBe(2);
    }

    [Theory]
    [InlineData("{\"os-bogus\":{}}", "There is no such action: os-bogus")]
    [InlineData("{}", "Invalid request body: exactly one action is required.")]
    [InlineData("{\"os-extend\":{\"new_size\":\"big\"}}", "Invalid input for field/attribute new_size. The value has the wrong type or is out of range.")]
    [InlineData("{\"os-extend\":{}}", "Invalid input for field/attribute new_size. Value: . It must be an integer from 1 to 1048576.")]
    [InlineData("{\"os-reset_status\":{\"status\":\"sleeping\"}}", "Invalid input received: 'sleeping' is not a valid volume status.")]
    public async Task A_bad_action_is_a_bad_request(string body, string message)
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync();
        var client = body.Contains("reset_status", StringComparison.Ordinal) ? t.Admin : t.Member;
        (await client.Post($"volumes/{id}/action", body)).ShouldBeFault(400, "badRequest").ShouldBe(message);
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("available");
    }

    [Fact]
    public async Task Admin_actions_are_forbidden_to_members()
    {
        var t = NewTenant();
        var id = await t.CreateVolumeAsync();
        (await t.Member.Post($"volumes/{id}/action", Action("os-reset_status", new { status = "available" }))).ShouldBeFault(403, "forbidden")
            .ShouldBe("Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.");
        (await t.Member.Post($"volumes/{id}/action", Action("os-force_delete", new { }))).ShouldBeFault(403, "forbidden");
        (await t.Member.Delete($"volumes/{id}?force=true", "3.23")).ShouldBeFault(403, "forbidden");
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("creating");
    }

    [Fact]
    public async Task Force_delete_takes_a_volume_whose_snapshot_is_already_being_deleted()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        var deleting = await Host.SnapshotAsync(volume, SnapshotStatus.Deleting);
        var available = await Host.SnapshotAsync(volume);
        (await t.Admin.Post($"volumes/{volume.Id}/action", Action("os-force_delete", new { }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", volume.Id.ToString())).ShouldBe("deleting");
        (await t.Member.StatusOfAsync("snapshot", deleting.Id.ToString())).ShouldBe("deleting");
        (await t.Member.StatusOfAsync("snapshot", available.Id.ToString())).ShouldBe("deleting");
    }

    [Theory]
    [InlineData("null")] // cinderclient and openstackclient
    [InlineData("\"\"")] // gophercloud
    [InlineData("{}")]
    public async Task Force_delete_takes_no_arguments_and_any_value_for_them_as_the_clients_send_it(string value)
    {
        var t = NewTenant();
        var id = await t.CreateVolumeAsync();
        (await t.Admin.Post($"volumes/{id}/action", $$"""{"os-force_delete": {{value}}}""")).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("deleting");
        (await t.Admin.Post($"volumes/{id}/action", $$$"""{"os-force_delete": {{{value}}}, "os-extend": {"new_size": 2}}""")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task A_cascade_delete_is_refused_while_a_snapshot_is_still_creating()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        await Host.SnapshotAsync(volume, SnapshotStatus.Creating);
        (await t.Member.Delete($"volumes/{volume.Id}?cascade=true")).ShouldBeFault(400, "badRequest");
        (await t.Member.StatusOfAsync("volume", volume.Id.ToString())).ShouldBe("available");
    }

    [Fact]
    public async Task From_3_60_time_filters_compare_and_several_separated_by_commas_must_all_hold()
    {
        var t = NewTenant();
        var day = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await using (var db = Host.NewDb())
        {
            foreach (var d in new[] { 0, 10, 20, 30 }) db.Volumes.Add(Host.NewVolume(t.ProjectId, name: $"d{d}", createdAt: day.AddDays(d)));
            await db.SaveChangesAsync();
        }

        async Task<string[]> Names(string filter) => (await t.Member.Get($"volumes?sort=name:asc&created_at={filter}", "3.60")).ShouldHave(200).Json
            .GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToArray();
        (await Names("gt:2020-01-05T00:00:00")).ShouldBe(["d10", "d20", "d30"]);
        (await Names("gte:2020-01-11T00:00:00,lt:2020-01-31T00:00:00")).ShouldBe(["d10", "d20"]);
        (await Names("neq:2020-01-21T00:00:00,lte:2020-01-21T00:00:00")).ShouldBe(["d0", "d10"]);
        (await t.Member.Get("volumes?created_at=gt:2020-01-01T00:00:00,soon", "3.60")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task Volumes_filter_by_size_and_by_migration_status()
    {
        var t = NewTenant();
        await t.CreateAvailableVolumeAsync(size: 1, name: "small");
        var moving = await t.CreateAvailableVolumeAsync(size: 2, name: "moving");
        await t.CreateAvailableVolumeAsync(size: 2, name: "staying");
        (await t.Admin.Post($"volumes/{moving}/action", Action("os-migrate_volume", new { host = "local" }))).ShouldHave(202);

        async Task<string[]> Names(string filter) => (await t.Member.Get($"volumes?sort=name:asc&{filter}")).ShouldHave(200).Json
            .GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToArray();
        (await Names("size=2")).ShouldBe(["moving", "staying"]);
        (await Names("migration_status=starting")).ShouldBe(["moving"]);
        (await Names("migration_status=sideways")).ShouldBeEmpty();
        (await t.Member.Get("volumes?size=big")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task Volumes_filter_by_metadata_in_each_form_cinderclient_sends()
    {
        var t = NewTenant();
        var tagged = await t.CreateAvailableVolumeAsync(name: "tagged");
        await t.CreateAvailableVolumeAsync(name: "plain");
        (await t.Member.Post($"volumes/{tagged}/metadata", new { metadata = new { k = "v" } })).ShouldHave(200);

        async Task<string[]> Names(string metadata) => (await t.Member.Get($"volumes?metadata={Uri.EscapeDataString(metadata)}")).ShouldHave(200).Json
            .GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToArray();
        (await Names("{'k': 'v'}")).ShouldBe(["tagged"]); // cinder list --metadata k=v
        (await Names("""{"k": "v"}""")).ShouldBe(["tagged"]);
        (await Names("""{"'k'": "'v'"}""")).ShouldBeEmpty(); // cinder list --filters metadata={'k':'v'}: quoted keys, as in Cinder
        (await Names("{'k': 'other'}")).ShouldBeEmpty();
        (await t.Member.Get("volumes?metadata=null")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task From_3_4_volumes_filter_by_their_image_metadata()
    {
        var t = NewTenant();
        var scsi = await t.CreateAvailableVolumeAsync(name: "scsi");
        await t.CreateAvailableVolumeAsync(name: "none");
        (await t.Member.Post($"volumes/{scsi}/action", Action("os-set_image_metadata", new { metadata = new { hw_disk_bus = "scsi" } }))).ShouldHave(200);

        async Task<string[]> Names(string version) => (await t.Member.Get(
                $"volumes?sort=name:asc&glance_metadata={Uri.EscapeDataString("{'hw_disk_bus': 'scsi'}")}", version)).ShouldHave(200).Json
            .GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).ToArray();
        (await Names("3.4")).ShouldBe(["scsi"]); // cinder list --image_metadata hw_disk_bus=scsi
        (await Names("3.3")).ShouldBe(["none", "scsi"]);
    }

    [Fact]
    public async Task Requests_the_api_cannot_route_or_read_are_client_errors_not_server_errors()
    {
        var t = NewTenant();
        var patch = await t.Member.Send(HttpMethod.Patch, "volumes", new { }); // as Cinder answers it
        patch.ShouldBeFault(404, "itemNotFound").ShouldBe("The resource could not be found.");
        (await t.Member.Send(HttpMethod.Post, "volumes", null)).Status.ShouldBeOneOf(400, 415);
        (await t.Member.Post("volumes", "")).ShouldBeFault(400, "badRequest");
        (await t.Member.Post("volumes", "null")).ShouldBeFault(400, "badRequest");
        (await t.Member.Get("volumes?limit=99999999999")).ShouldBeFault(400, "badRequest");
        (await t.Member.Get("volumes?created_at=gt:yesterday", "3.60")).ShouldBeFault(400, "badRequest");
        (await t.Member.Get("volumes?metadata=notjson")).ShouldBeFault(400, "badRequest");
        (await t.Member.Get("volumes/summary", "3.12")).ShouldHave(200).Json.GetProperty("volume-summary").GetProperty("total_count").GetInt32().ShouldBe(0);
    }
}
