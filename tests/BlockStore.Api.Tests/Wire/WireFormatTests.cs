using BlockStore.Api.Tests.Infrastructure;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Wire;

/// <summary>The volume body as Cinder 21.3 writes it (samples 13, 14, 22, 31).</summary>
public sealed class WireFormatTests : ApiTest
{
    private const string NaiveMicroseconds = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$";

    /// <summary>The keys of sample 14 without the admin-only ones, in Cinder's order.</summary>
    private static readonly string[] MemberKeys =
    [
        "id", "status", "size", "availability_zone", "created_at", "updated_at", "name", "description", "volume_type", "snapshot_id",
        "source_volid", "metadata", "links", "user_id", "bootable", "encrypted", "replication_status", "consistencygroup_id", "multiattach",
        "attachments", "migration_status",
    ];

    private static readonly string[] AdminKeys =
        ["os-vol-tenant-attr:tenant_id", "os-vol-mig-status-attr:migstat", "os-vol-mig-status-attr:name_id", "os-vol-host-attr:host"];

    private static readonly string[] Since3x = ["group_id", "shared_targets", "service_uuid", "volume_type_id", "consumes_quota"];

    [Fact]
    public async Task Timestamps_are_naive_utc_with_six_fractional_digits_and_stable_from_create_to_show()
    {
        var t = NewTenant();
        var created = (await t.Member.Post("volumes", new { volume = new { size = 1, name = "q1" } })).ShouldHave(202).Json.GetProperty("volume");
        created.GetProperty("created_at").GetString()!.ShouldMatch(NaiveMicroseconds);
        created.GetProperty("updated_at").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        created.GetProperty("status").GetString().ShouldBe("creating");

        var id = created.GetProperty("id").GetString();
        var shown = (await t.Member.Get($"volumes/{id}")).Json.GetProperty("volume");
        shown.GetProperty("created_at").GetString().ShouldBe(created.GetProperty("created_at").GetString());
        var updated = (await t.Member.Put($"volumes/{id}", new { volume = new { description = "d" } })).Json.GetProperty("volume");
        updated.GetProperty("updated_at").GetString()!.ShouldMatch(NaiveMicroseconds);
    }

    [Fact]
    public async Task Bootable_is_a_string()
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync();
        (await t.Member.Get($"volumes/{id}")).Json.GetProperty("volume").GetProperty("bootable").GetString().ShouldBe("false");
        (await t.Member.Post($"volumes/{id}/action", Action("os-set_bootable", new { bootable = true }))).ShouldHave(200);
        (await t.Member.Get("volumes/detail")).Json.GetProperty("volumes")[0].GetProperty("bootable").GetString().ShouldBe("true");
    }

    [Fact]
    public async Task Admin_only_fields_are_shown_to_admins_only()
    {
        var t = NewTenant();
        var id = await t.CreateVolumeAsync();
        (await t.Member.Get($"volumes/{id}")).Json.GetProperty("volume").Keys().ShouldBe(MemberKeys);
        (await t.Reader.Get("volumes/detail")).Json.GetProperty("volumes")[0].Keys().ShouldBe(MemberKeys);
        var asAdmin = (await t.Admin.Get($"volumes/{id}")).Json.GetProperty("volume");
        asAdmin.Keys().ShouldBe([.. MemberKeys, .. AdminKeys]);
        asAdmin.GetProperty("os-vol-tenant-attr:tenant_id").GetString().ShouldBe(t.ProjectId);
        asAdmin.GetProperty("os-vol-host-attr:host").GetString()!.ShouldEndWith("@ceph#volumes");
    }

    [Fact]
    public async Task Microversions_add_their_fields_in_Cinder_s_order()
    {
        var t = NewTenant();
        var id = await t.CreateVolumeAsync();
        (await t.Member.Get($"volumes/{id}", "3.70")).Json.GetProperty("volume").Keys().ShouldBe([.. MemberKeys, .. Since3x]);
        (await t.Member.Get($"volumes/{id}", "3.62")).Json.GetProperty("volume").Keys()
            .ShouldBe([.. MemberKeys, "group_id", "shared_targets", "service_uuid"]);
        // provider_id (3.21) and cluster_name (3.61) are admins' only, as in Cinder's view.
        (await t.Admin.Get($"volumes/{id}", "3.70")).Json.GetProperty("volume").Keys()
            .ShouldBe([.. MemberKeys, "group_id", "provider_id", "shared_targets", "service_uuid", "cluster_name", "volume_type_id", "consumes_quota", .. AdminKeys]);
        (await t.Admin.Get($"volumes/{id}", "3.20")).Json.GetProperty("volume").Keys().ShouldBe([.. MemberKeys, "group_id", .. AdminKeys]);
    }

    [Fact]
    public async Task A_full_page_links_to_the_next_with_the_last_id_as_marker()
    {
        var t = NewTenant();
        await t.CreateVolumeAsync(name: "a");
        var newest = await t.CreateVolumeAsync(name: "b");
        var page = (await t.Member.Get("volumes?limit=1")).ShouldHave(200).Json;
        var summary = page.GetProperty("volumes")[0];
        summary.Keys().ShouldBe(["id", "name", "links"]);
        summary.GetProperty("id").GetString().ShouldBe(newest);
        var links = page.GetProperty("volumes_links");
        links[0].GetProperty("rel").GetString().ShouldBe("next");
        links[0].GetProperty("href").GetString()!.ShouldEndWith($"/v3/{t.ProjectId}/volumes?limit=1&marker={newest}");
        summary.GetProperty("links")[1].GetProperty("href").GetString()!.ShouldEndWith($"/{t.ProjectId}/volumes/{newest}");
        (await t.Member.Get("volumes?limit=5")).Json.TryGetProperty("volumes_links", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Every_answer_carries_a_request_id()
    {
        var t = NewTenant();
        (await t.Member.Get("volumes")).Header("X-Openstack-Request-Id")!.ShouldStartWith("req-");
        (await t.Member.Get("volumes/nope")).Header("X-Openstack-Request-Id")!.ShouldStartWith("req-");
    }
}
