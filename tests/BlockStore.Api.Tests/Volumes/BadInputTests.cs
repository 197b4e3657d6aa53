using BlockStore.Api.Tests.Infrastructure;
using static BlockStore.Api.Tests.Infrastructure.Flows;
using BlockStore.Core.Quotas;
using BlockStore.Core.Volumes;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>Every bad request gets Cinder's status, fault name and wording, and leaves nothing behind.</summary>
public sealed class BadInputTests : ApiTest
{
    private const string Malformed = "The server could not comply with the request since it is either malformed or otherwise incorrect.";

    [Fact]
    public async Task Malformed_json_is_refused_as_a_malformed_body_and_nothing_is_written()
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", "{\"volume\":")).ShouldBeFault(400, "badRequest").ShouldBe("Malformed request body");
        await NothingWrittenAsync(t);
    }

    [Theory]
    [InlineData("{\"volume\":{\"size\":\"abc\"}}", "size")]
    [InlineData("{\"volume\":{\"size\":1.5}}", "size")]
    [InlineData("{\"volume\":{\"size\":1,\"name\":5}}", "name")]
    [InlineData("{\"volume\":{\"size\":1,\"metadata\":\"x\"}}", "metadata")]
    [InlineData("{\"volume\":{\"size\":1,\"metadata\":{\"k\":1}}}", "k")]
    [InlineData("{\"volume\":{\"size\":1,\"multiattach\":\"sometimes\"}}", "multiattach")]
    public async Task A_value_of_the_wrong_type_is_refused_naming_the_field(string body, string field)
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", body)).ShouldBeFault(400, "badRequest").ShouldContain(field);
        await NothingWrittenAsync(t);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"volume\":[]}")]
    [InlineData("\"volume\"")]
    [InlineData("{\"volume\":null}")]
    [InlineData("{}")]
    public async Task A_body_of_the_wrong_shape_is_refused(string body)
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", body)).ShouldBeFault(400, "badRequest");
        await NothingWrittenAsync(t);
    }

    [Theory]
    [InlineData(0, "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1")]
    [InlineData(-1, "Invalid input for field/attribute size. Value: -1. -1 is less than the minimum of 1")]
    [InlineData(2_000_000_000, "Invalid input for field/attribute size. Value: 2000000000. 2000000000 is greater than the maximum of 1048576")]
    public async Task A_size_out_of_range_is_refused_with_Cinder_s_wording(int size, string message)
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", new { volume = new { size } })).ShouldBeFault(400, "badRequest").ShouldBe(message);
        await NothingWrittenAsync(t);
    }

    [Fact]
    public async Task A_size_too_large_for_any_integer_is_refused()
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", "{\"volume\":{\"size\":1000000000000000000000}}")).ShouldBeFault(400, "badRequest").ShouldContain("size");
        await NothingWrittenAsync(t);
    }

    [Fact]
    public async Task A_create_without_size_or_source_is_refused_as_Cinder_does()
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", new { volume = new { } })).ShouldBeFault(400, "badRequest").ShouldBe(Malformed);
        await NothingWrittenAsync(t);
    }

    [Fact]
    public async Task Unknown_fields_are_refused_from_3_53_and_ignored_below()
    {
        var t = NewTenant();
        var body = new { volume = new { size = 1, colour = "blue" } };
        (await t.Member.Post("volumes", body, "3.53")).ShouldBeFault(400, "badRequest").ShouldContain("'colour' was unexpected");
        (await t.Member.Post("volumes", new { volume = new { size = 1 }, extra = 1 }, "3.70")).ShouldBeFault(400, "badRequest");
        await NothingWrittenAsync(t);

        (await t.Member.Post("volumes", body, "3.52")).ShouldHave(202);
        (await t.Member.Post("volumes", body)).ShouldHave(202);
        (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(2);
    }

    [Fact]
    public async Task From_3_53_an_update_names_only_what_it_may_change_and_at_least_one_of_them()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId, name: "before");
        (await t.Member.Put($"volumes/{volume.Id}", new { volume = new { size = 5 } }, "3.53")).ShouldBeFault(400, "badRequest")
            .ShouldContain("'size' was unexpected");
        (await t.Member.Put($"volumes/{volume.Id}", new { volume = new { } }, "3.53")).ShouldBeFault(400, "badRequest")
            .ShouldContain("is not valid under any of the given schemas");
        (await t.Member.Get($"volumes/{volume.Id}")).Json.GetProperty("volume").GetProperty("name").GetString().ShouldBe("before");

        (await t.Member.Put($"volumes/{volume.Id}", new { volume = new { size = 5 } }, "3.52")).ShouldHave(200);
        (await t.Member.Put($"volumes/{volume.Id}", new { volume = new { name = "after" } }, "3.53")).ShouldHave(200)
            .Json.GetProperty("volume").GetProperty("name").GetString().ShouldBe("after");
    }

    [Fact]
    public async Task Scheduler_hints_beside_the_volume_are_accepted_at_every_version_as_cinder_create_hint_sends_them()
    {
        var t = NewTenant();
        var body = new Dictionary<string, object>
        {
            ["volume"] = new { size = 1 }, ["OS-SCH-HNT:scheduler_hints"] = new { different_host = new[] { Guid.NewGuid().ToString() } },
        };
        (await t.Member.Post("volumes", body, "3.70")).ShouldHave(202);
        (await t.Member.Post("volumes", body, "3.0")).ShouldHave(202);
        (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(2);
    }

    [Fact]
    public async Task An_unknown_volume_type_is_not_found()
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", new { volume = new { size = 1, volume_type = "nosuchtype" } }))
            .ShouldBeFault(404, "itemNotFound").ShouldBe("Volume type with name nosuchtype could not be found.");
        var unknownId = Guid.NewGuid();
        (await t.Member.Post("volumes", new { volume = new { size = 1, volume_type = unknownId } }))
            .ShouldBeFault(404, "itemNotFound").ShouldBe($"Volume type {unknownId} could not be found.");
        await NothingWrittenAsync(t);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("1ccaeab0-5a38-4854-8305")]
    public async Task A_volume_id_that_is_malformed_or_unknown_is_not_found(string id)
    {
        var t = NewTenant();
        var message = $"Volume {id} could not be found.";
        (await t.Member.Get($"volumes/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe(message);
        (await t.Member.Put($"volumes/{id}", new { volume = new { name = "x" } })).ShouldBeFault(404, "itemNotFound").ShouldBe(message);
        (await t.Member.Delete($"volumes/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe(message);
        (await t.Member.Post($"volumes/{id}/action", new Dictionary<string, object> { ["os-extend"] = new { new_size = 2 } }))
            .ShouldBeFault(404, "itemNotFound").ShouldBe(message);
        (await t.Member.Get($"volumes/{id}/metadata")).ShouldBeFault(404, "itemNotFound").ShouldBe(message);
    }

    [Fact]
    public async Task A_malformed_source_id_is_a_bad_request_and_an_unknown_one_is_not_found()
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", new { volume = new { snapshot_id = "nope" } }))
            .ShouldBeFault(400, "badRequest").ShouldBe("Invalid input for field/attribute snapshot_id. Value: nope. 'nope' is not a 'uuid'");
        (await t.Member.Post("volumes", new { volume = new { source_volid = "nope" } })).ShouldBeFault(400, "badRequest");
        var missing = Guid.NewGuid();
        (await t.Member.Post("volumes", new { volume = new { snapshot_id = missing } }))
            .ShouldBeFault(404, "itemNotFound").ShouldBe($"Snapshot {missing} could not be found.");
        (await t.Member.Post("volumes", new { volume = new { source_volid = missing } }))
            .ShouldBeFault(404, "itemNotFound").ShouldBe($"Volume {missing} could not be found.");
        await NothingWrittenAsync(t);
    }

    [Fact]
    public async Task Going_over_the_gigabytes_quota_is_413_with_retry_after_and_nothing_is_charged()
    {
        var t = NewTenant();
        var reply = await t.Member.Post("volumes", new { volume = new { size = 1001 } });
        reply.ShouldBeFault(413, "overLimit").ShouldBe(
            "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 1001G, quota is 1000G and 0G has been consumed.");
        reply.Json.GetProperty("overLimit").GetProperty("retryAfter").GetString().ShouldBe("0");
        reply.Header("Retry-After").ShouldBe("0");
        await NothingWrittenAsync(t);
    }

    [Fact]
    public async Task Going_over_the_volumes_quota_is_413_and_the_earlier_volume_stays()
    {
        var t = NewTenant();
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", new { quota_set = new { volumes = 1 } })).ShouldHave(200);
        (await t.Member.Post("volumes", new { volume = new { size = 1, name = "q1" } })).ShouldHave(202);
        var reply = await t.Member.Post("volumes", new { volume = new { size = 1, name = "q2" } });
        reply.ShouldBeFault(413, "overLimit").ShouldBe("VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'.");
        reply.Header("Retry-After").ShouldBe("0");
        (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(1);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Volumes)).ShouldBe(1);
    }

    [Fact]
    public async Task Extending_a_volume_that_is_still_creating_is_refused()
    {
        var t = NewTenant();
        var id = (await t.Member.Post("volumes", new { volume = new { size = 1 } })).ShouldHave(202).Json.GetProperty("volume").GetProperty("id").GetString();
        (await t.Member.Post($"volumes/{id}/action", new Dictionary<string, object> { ["os-extend"] = new { new_size = 2 } }))
            .ShouldBeFault(400, "badRequest").ShouldBe($"Invalid volume: Volume {id} status must be available to extend, but current status is: creating.");
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Gigabytes)).ShouldBe(1);
    }

    [Fact]
    public async Task Deleting_a_volume_with_snapshots_without_cascade_is_refused_with_Cinder_s_message()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        await Host.SnapshotAsync(volume);
        (await t.Member.Delete($"volumes/{volume.Id}")).ShouldBeFault(400, "badRequest").ShouldBe(
            "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.");
        (await t.Member.Get($"volumes/{volume.Id}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("available");

        (await t.Member.Delete($"volumes/{volume.Id}?cascade=true")).ShouldHave(202);
        (await t.Member.Get($"volumes/{volume.Id}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("deleting");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("a:b:c")]
    [InlineData(":project")]
    [InlineData("user name:project")]
    public async Task A_missing_or_garbage_token_is_unauthorized(string? token)
    {
        var t = NewTenant();
        var client = Host.RawClient(token, t.ProjectId);
        (await client.Get("volumes")).ShouldBeFault(401, "unauthorized");
        (await client.Post("volumes", new { volume = new { size = 1 } })).ShouldBeFault(401, "unauthorized");
        await NothingWrittenAsync(t);
    }

    [Fact]
    public async Task A_percent_encoded_token_as_glanceclient_sends_it_is_read_as_its_decoded_form()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        (await Host.RawClient($"demo%3A{t.ProjectId}", t.ProjectId).Get($"volumes/{volume.Id}")).ShouldHave(200);
        (await Host.RawClient($"demo%3A{t.ProjectId}%3Ax", t.ProjectId).Get("volumes")).ShouldBeFault(401, "unauthorized");
        (await Host.RawClient("demo%3", t.ProjectId).Get("volumes")).ShouldBeFault(401, "unauthorized");
    }

    [Fact]
    public async Task A_token_for_another_project_than_the_url_is_a_malformed_url()
    {
        var t = NewTenant();
        var other = NewTenant();
        (await Host.Client("admin", other.ProjectId).Get($"/v3/{t.ProjectId}/volumes")).ShouldBeFault(400, "badRequest").ShouldBe("Malformed request url");
    }

    [Fact]
    public async Task A_reader_cannot_write_and_nothing_is_written()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        (await t.Reader.Post("volumes", new { volume = new { size = 1 } })).ShouldBeFault(403, "forbidden");
        (await t.Reader.Put($"volumes/{volume.Id}", new { volume = new { name = "x" } })).ShouldBeFault(403, "forbidden");
        (await t.Reader.Delete($"volumes/{volume.Id}")).ShouldBeFault(403, "forbidden");
        (await t.Reader.Post($"volumes/{volume.Id}/action", new Dictionary<string, object> { ["os-extend"] = new { new_size = 2 } }))
            .ShouldBeFault(403, "forbidden");
        var shown = (await t.Reader.Get($"volumes/{volume.Id}")).ShouldHave(200).Json.GetProperty("volume");
        shown.GetProperty("status").GetString().ShouldBe("available");
        shown.GetProperty("size").GetInt32().ShouldBe(1);
        shown.GetProperty("name").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(1);
    }

    [Fact]
    public async Task A_member_of_another_project_finds_nothing()
    {
        var owner = NewTenant();
        var stranger = NewTenant();
        var volume = await Host.VolumeAsync(owner.ProjectId, VolumeStatus.Available);
        var message = $"Volume {volume.Id} could not be found.";
        (await stranger.Member.Get($"volumes/{volume.Id}")).ShouldBeFault(404, "itemNotFound").ShouldBe(message);
        (await stranger.Member.Delete($"volumes/{volume.Id}")).ShouldBeFault(404, "itemNotFound").ShouldBe(message);
        (await stranger.Member.Post("volumes", new { volume = new { source_volid = volume.Id } })).ShouldBeFault(404, "itemNotFound");
        (await owner.Member.Get($"volumes/{volume.Id}")).ShouldHave(200);
        (await Host.VolumeCountAsync(stranger.ProjectId)).ShouldBe(0);
    }

    [Fact]
    public async Task A_create_in_a_zone_this_deployment_does_not_serve_is_refused_as_Cinder_does()
    {
        var t = NewTenant();
        (await t.Member.Post("volumes", new { volume = new { size = 1, availability_zone = "elsewhere" } }))
            .ShouldBeFault(400, "badRequest").ShouldBe("Availability zone 'elsewhere' is invalid.");
        await NothingWrittenAsync(t);
    }

    [Fact]
    public async Task A_create_of_a_type_kept_out_of_this_zone_is_refused_naming_the_type_s_zones()
    {
        var t = NewTenant();
        var type = Unique("zoned");
        await t.CreateTypeAsync(type, new() { ["RESKEY:availability_zones"] = "az1, az2" });
        (await t.Member.Post("volumes", new { volume = new { size = 1, volume_type = type } }))
            .ShouldBeFault(400, "badRequest").ShouldBe("Volume type is only supported in these availability zones: ['az1', 'az2']");
        await NothingWrittenAsync(t);
    }

    private async Task NothingWrittenAsync(Tenant t)
    {
        (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(0);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Volumes)).ShouldBe(0);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Gigabytes)).ShouldBe(0);
        (await t.Member.Get("volumes")).ShouldHave(200).Json.GetProperty("volumes").GetArrayLength().ShouldBe(0);
    }
}
