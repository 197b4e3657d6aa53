using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Quotas;

public sealed class QuotaTests : ApiTest
{
    /// <summary>The project-wide resources of sample 25, in Cinder's order; the per-type ones come before the last.</summary>
    private static readonly string[] Resources = ["volumes", "per_volume_gigabytes", "snapshots", "gigabytes", "backups", "backup_gigabytes", "groups"];

    /// <summary>
    /// Sample 25's shape: the project-wide resources, with <c>volumes_&lt;type&gt;</c>, <c>gigabytes_&lt;type&gt;</c> and
    /// <c>snapshots_&lt;type&gt;</c> of each type between <c>backup_gigabytes</c> and <c>groups</c> (other tests add types
    /// meanwhile, so which types is not fixed here), then <c>id</c> when asked.
    /// </summary>
    private static void ShouldHaveCinderKeys(JsonElement set, bool withId)
    {
        var keys = set.Keys().ToList();
        if (withId) keys[^1].ShouldBe("id");
        var resources = withId ? keys[..^1] : keys;
        resources.Take(6).ShouldBe(Resources.Take(6));
        resources[^1].ShouldBe("groups");
        var perType = resources.Skip(6).SkipLast(1).ToList();
        (perType.Count % 3).ShouldBe(0, string.Join(", ", perType));
        for (var i = 0; i < perType.Count; i += 3)
        {
            var type = perType[i]["volumes_".Length..];
            perType.Skip(i).Take(3).ShouldBe([$"volumes_{type}", $"gigabytes_{type}", $"snapshots_{type}"]);
        }
    }

    [Fact]
    public async Task A_project_reads_its_quotas_with_usage_in_Cinder_s_shape()
    {
        var t = NewTenant();
        var volume = await t.CreateAvailableVolumeAsync(size: 3);
        await t.CreateSnapshotAsync(volume);
        var set = (await t.Reader.Get($"os-quota-sets/{t.ProjectId}?usage=True")).ShouldHave(200).Json.GetProperty("quota_set");
        ShouldHaveCinderKeys(set, withId: true);
        set.GetProperty("id").GetString().ShouldBe(t.ProjectId);
        foreach (var r in Resources) set.GetProperty(r).Keys().ShouldBe(["limit", "in_use", "reserved"]);
        Usage(set, "volumes").ShouldBe((10, 1));
        Usage(set, "gigabytes").ShouldBe((1000, 6));
        Usage(set, "snapshots").ShouldBe((10, 1));
        Usage(set, "per_volume_gigabytes").ShouldBe((-1, 0));
        Usage(set, "backups").ShouldBe((10, 0));
        Usage(set, "volumes___DEFAULT__").ShouldBe((-1, 1));
        Usage(set, "gigabytes___DEFAULT__").ShouldBe((-1, 6));
        Usage(set, "snapshots___DEFAULT__").ShouldBe((-1, 1));

        var plain = (await t.Member.Get($"os-quota-sets/{t.ProjectId}")).ShouldHave(200).Json.GetProperty("quota_set");
        plain.GetProperty("volumes").GetInt32().ShouldBe(10);
        plain.GetProperty("backup_gigabytes").GetInt32().ShouldBe(1000);
        (await t.Member.Get($"os-quota-sets/{t.ProjectId}?usage=sometimes")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task Usage_per_type_is_counted_from_the_rows_and_adds_up_to_the_project_s()
    {
        var t = NewTenant();
        var (a, shared, hidden) = (Unique("gold"), Unique("shared"), Unique("hidden"));
        await t.CreateTypeAsync(a);
        var sharedId = await t.CreateTypeAsync(shared, isPublic: false);
        await t.CreateTypeAsync(hidden, isPublic: false);
        (await t.Admin.Post($"types/{sharedId}/action", Action("addProjectAccess", new { project = t.ProjectId }))).ShouldHave(202);

        var small = await t.CreateAvailableVolumeAsync(size: 1, type: a);
        await t.CreateSnapshotAsync(small);
        var growing = await t.CreateAvailableVolumeAsync(size: 2, type: a);
        (await t.Member.Post($"volumes/{growing}/action", Action("os-extend", new { new_size = 5 }))).ShouldHave(202);
        await t.CreateVolumeAsync(size: 3);

        var set = (await t.Member.Get($"os-quota-sets/{t.ProjectId}?usage=True")).ShouldHave(200).Json.GetProperty("quota_set");
        ShouldHaveCinderKeys(set, withId: true);
        Usage(set, $"volumes_{a}").ShouldBe((-1, 2));
        Usage(set, $"gigabytes_{a}").ShouldBe((-1, 1 + 1 + 5)); // the snapshot, and the size an extend grows to
        Usage(set, $"snapshots_{a}").ShouldBe((-1, 1));
        Usage(set, $"volumes_{shared}").ShouldBe((-1, 0));
        set.Keys().ShouldNotContain($"volumes_{hidden}");
        foreach (var resource in new[] { "volumes", "gigabytes", "snapshots" })
        {
            var perType = set.Keys().Where(k => k.StartsWith($"{resource}_", StringComparison.Ordinal) && k != "per_volume_gigabytes")
                .Sum(k => Usage(set, k).InUse);
            perType.ShouldBe(Usage(set, resource).InUse, resource);
        }
    }

    [Fact]
    public async Task Per_type_limits_apply_to_creates_snapshots_extends_and_retypes_and_follow_a_rename()
    {
        var t = NewTenant();
        var (gold, other) = (Unique("gold"), Unique("other"));
        var goldId = await t.CreateTypeAsync(gold);
        await t.CreateTypeAsync(other);
        var path = $"os-quota-sets/{t.ProjectId}";
        var set = (await t.Admin.Put(path, QuotaSetOf(($"volumes_{gold}", 2), ($"gigabytes_{gold}", 12), ($"snapshots_{gold}", 1))))
            .ShouldHave(200).Json.GetProperty("quota_set");
        set.GetProperty($"volumes_{gold}").GetInt32().ShouldBe(2);
        set.GetProperty($"gigabytes_{gold}").GetInt32().ShouldBe(12);
        set.GetProperty($"snapshots_{other}").GetInt32().ShouldBe(-1);

        var first = await t.CreateAvailableVolumeAsync(size: 3, type: gold);
        var second = await t.CreateAvailableVolumeAsync(size: 3, type: gold);
        (await t.Member.Post("volumes", new { volume = new { size = 1, volume_type = gold } })).ShouldBeFault(413, "overLimit")
            .ShouldBe($"VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded for quota 'volumes_{gold}'.");
        (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(2);
        (await Host.UsageAsync(t.ProjectId, "volumes")).ShouldBe(2);
        var elsewhere = await t.CreateAvailableVolumeAsync(size: 1, type: other);

        await t.CreateSnapshotAsync(first);
        (await t.Member.Post("snapshots", new { snapshot = new { volume_id = second } })).ShouldBeFault(413, "overLimit")
            .ShouldBe($"SnapshotLimitExceeded: Maximum number of snapshots allowed (1) exceeded for quota 'snapshots_{gold}'.");
        (await Host.UsageAsync(t.ProjectId, "snapshots")).ShouldBe(1);

        // gold holds 3 + 3 + the snapshot's 3: growing the second volume by 4 passes 12, by 3 does not.
        (await t.Member.Post($"volumes/{second}/action", Action("os-extend", new { new_size = 7 }))).ShouldBeFault(413, "overLimit")
            .ShouldBe($"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes_{gold} quota. Requested 4G, quota is 12G and 9G has been consumed.");
        (await t.Member.StatusOfAsync("volume", second)).ShouldBe("available");
        (await t.Member.Post($"volumes/{second}/action", Action("os-extend", new { new_size = 6 }))).ShouldHave(202);

        (await t.Member.Post($"volumes/{elsewhere}/action", Action("os-retype", new { new_type = gold }))).ShouldBeFault(413, "overLimit")
            .ShouldBe($"VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded for quota 'volumes_{gold}'.");
        (await t.Member.Get($"volumes/{elsewhere}")).Json.GetProperty("volume").GetProperty("volume_type").GetString().ShouldBe(other);
        (await t.Admin.Put(path, QuotaSetOf(($"volumes_{gold}", 3), ($"gigabytes_{gold}", 13)))).ShouldHave(200);
        (await t.Member.Post($"volumes/{elsewhere}/action", Action("os-retype", new { new_type = gold }))).ShouldHave(202);

        var usage = (await t.Member.Get($"{path}?usage=True")).Json.GetProperty("quota_set");
        Usage(usage, $"volumes_{gold}").ShouldBe((3, 3));
        Usage(usage, $"gigabytes_{gold}").ShouldBe((13, 3 + 6 + 3 + 1));
        Usage(usage, $"snapshots_{gold}").ShouldBe((1, 1));
        (await t.Admin.Put(path, QuotaSetOf(($"volumes_{gold}", 2)))).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Quota volumes_{gold} limit must be equal or greater than existing resources. Current usage is 3 and the requested limit is 2.");

        var renamed = Unique("platinum");
        (await t.Admin.Put($"types/{goldId}", new { volume_type = new { name = renamed } })).ShouldHave(200);
        var after = (await t.Member.Get(path)).Json.GetProperty("quota_set");
        after.GetProperty($"volumes_{renamed}").GetInt32().ShouldBe(3);
        after.Keys().ShouldNotContain($"volumes_{gold}");
        (await t.Member.Post("volumes", new { volume = new { size = 1, volume_type = renamed } })).ShouldBeFault(413, "overLimit")
            .ShouldBe($"VolumeLimitExceeded: Maximum number of volumes allowed (3) exceeded for quota 'volumes_{renamed}'.");
    }

    [Fact]
    public async Task An_extend_reset_by_an_admin_gives_back_the_growth_it_charged()
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync(size: 2);
        (await Host.UsageAsync(t.ProjectId, "gigabytes")).ShouldBe(2);
        (await t.Member.Post($"volumes/{id}/action", Action("os-extend", new { new_size = 5 }))).ShouldHave(202);
        (await Host.UsageAsync(t.ProjectId, "gigabytes")).ShouldBe(5);

        (await t.Admin.Post($"volumes/{id}/action", Action("os-reset_status", new { status = "available" }))).ShouldHave(202);

        (await Host.UsageAsync(t.ProjectId, "gigabytes")).ShouldBe(2, "the volume is still 2 GiB");
        (await t.Admin.Post($"volumes/{id}/action", Action("os-reset_status", new { status = "error" }))).ShouldHave(202);
        (await Host.UsageAsync(t.ProjectId, "gigabytes")).ShouldBe(2, "nothing is given back twice");
        (await t.Member.Post($"volumes/{id}/action", Action("os-extend", new { new_size = 3 }))).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task Parallel_creates_never_pass_a_per_type_limit()
    {
        var t = NewTenant();
        var type = Unique("capped");
        await t.CreateTypeAsync(type);
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", QuotaSetOf(($"volumes_{type}", 5), ("volumes", 50)))).ShouldHave(200);
        var replies = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ =>
            t.Member.Post("volumes", new { volume = new { size = 1, volume_type = type } })));
        replies.Count(r => r.Status == 202).ShouldBe(5);
        replies.Count(r => r.Status == 413).ShouldBe(25);
        (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(5);
        (await Host.UsageAsync(t.ProjectId, "volumes")).ShouldBe(5);
    }

    [Fact]
    public async Task A_volume_retyped_by_migration_is_reserved_in_its_new_type_until_the_switch_over()
    {
        var t = NewTenant();
        var local = Unique("on-file");
        await t.CreateTypeAsync(local, new() { ["volume_backend_name"] = "local" });
        var path = $"os-quota-sets/{t.ProjectId}";
        (await t.Admin.Put(path, QuotaSetOf(($"volumes_{local}", 1)))).ShouldHave(200);
        var moving = await t.CreateAvailableVolumeAsync(size: 2);
        var staying = await t.CreateAvailableVolumeAsync(size: 1);

        // No worker runs here: the migration stays pending, and the volume in its old type.
        (await t.Member.Post($"volumes/{moving}/action", Action("os-retype", new { new_type = local, migration_policy = "on-demand" }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", moving)).ShouldBe("retyping");
        var set = (await t.Member.Get($"{path}?usage=True")).Json.GetProperty("quota_set");
        set.GetProperty($"volumes_{local}").GetProperty("in_use").GetInt32().ShouldBe(0);
        set.GetProperty($"volumes_{local}").GetProperty("reserved").GetInt32().ShouldBe(1);
        set.GetProperty($"gigabytes_{local}").GetProperty("reserved").GetInt32().ShouldBe(2);
        Usage(set, "volumes___DEFAULT__").ShouldBe((-1, 2));

        (await t.Member.Post($"volumes/{staying}/action", Action("os-retype", new { new_type = local, migration_policy = "on-demand" })))
            .ShouldBeFault(413, "overLimit").ShouldBe($"VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes_{local}'.");
        (await t.Member.StatusOfAsync("volume", staying)).ShouldBe("available");
        (await t.Member.Post("volumes", new { volume = new { size = 1, volume_type = local } })).ShouldBeFault(413, "overLimit");
        (await t.Admin.Put(path, QuotaSetOf(($"volumes_{local}", 0)))).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Quota volumes_{local} limit must be equal or greater than existing resources. Current usage is 1 and the requested limit is 0.");
    }

    [Fact]
    public async Task A_deleted_type_takes_its_limits_with_it()
    {
        var t = NewTenant();
        var name = Unique("brief");
        var id = await t.CreateTypeAsync(name);
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", QuotaSetOf(($"volumes_{name}", 4)))).ShouldHave(200);
        (await t.Admin.Delete($"types/{id}")).ShouldHave(202);
        await t.CreateTypeAsync(name);
        (await t.Member.Get($"os-quota-sets/{t.ProjectId}")).Json.GetProperty("quota_set").GetProperty($"volumes_{name}").GetInt32().ShouldBe(-1);
    }

    [Fact]
    public async Task Defaults_are_Cinder_s_and_carry_the_project_id()
    {
        var t = NewTenant();
        var set = (await t.Member.Get($"os-quota-sets/{t.ProjectId}/defaults")).ShouldHave(200).Json.GetProperty("quota_set");
        ShouldHaveCinderKeys(set, withId: true);
        set.GetProperty("volumes___DEFAULT__").GetInt32().ShouldBe(-1);
        set.GetProperty("volumes").GetInt32().ShouldBe(10);
        set.GetProperty("snapshots").GetInt32().ShouldBe(10);
        set.GetProperty("gigabytes").GetInt32().ShouldBe(1000);
        set.GetProperty("per_volume_gigabytes").GetInt32().ShouldBe(-1);
        set.GetProperty("id").GetString().ShouldBe(t.ProjectId);
    }

    [Fact]
    public async Task Another_project_s_quotas_are_forbidden_to_members_and_open_to_admins()
    {
        var owner = NewTenant();
        var stranger = NewTenant();
        var path = $"os-quota-sets/{owner.ProjectId}";
        (await stranger.Member.Get(path)).ShouldBeFault(403, "forbidden").ShouldBe("Policy doesn't allow volume_extension:quotas:show to be performed.");
        (await stranger.Reader.Get($"{path}/defaults")).ShouldBeFault(403, "forbidden");
        (await stranger.Admin.Get($"{path}?usage=true")).ShouldHave(200).Json.GetProperty("quota_set").GetProperty("id").GetString().ShouldBe(owner.ProjectId);
    }

    [Fact]
    public async Task An_admin_sets_limits_that_then_apply_and_a_delete_restores_the_defaults()
    {
        var t = NewTenant();
        var path = $"os-quota-sets/{t.ProjectId}";
        var set = (await t.Admin.Put(path, new { quota_set = new { volumes = 2, gigabytes = "50", backups = 0 } })).ShouldHave(200).Json.GetProperty("quota_set");
        ShouldHaveCinderKeys(set, withId: false);
        set.GetProperty("volumes").GetInt32().ShouldBe(2);
        set.GetProperty("gigabytes").GetInt32().ShouldBe(50);
        set.GetProperty("snapshots").GetInt32().ShouldBe(10);

        (await t.Member.Post("volumes", new { volume = new { size = 51 } })).ShouldBeFault(413, "overLimit");
        await t.CreateVolumeAsync();
        await t.CreateVolumeAsync();
        (await t.Member.Post("volumes", new { volume = new { size = 1 } })).ShouldBeFault(413, "overLimit");

        (await t.Admin.Delete(path)).ShouldHave(200);
        (await t.Member.Get(path)).Json.GetProperty("quota_set").GetProperty("volumes").GetInt32().ShouldBe(10);
        await t.CreateVolumeAsync();
    }

    [Fact]
    public async Task Only_an_admin_changes_quotas()
    {
        var t = NewTenant();
        var path = $"os-quota-sets/{t.ProjectId}";
        (await t.Member.Put(path, new { quota_set = new { volumes = 100 } })).ShouldBeFault(403, "forbidden");
        (await t.Reader.Put(path, new { quota_set = new { volumes = 100 } })).ShouldBeFault(403, "forbidden");
        (await t.Member.Delete(path)).ShouldBeFault(403, "forbidden");
        (await t.Member.Get(path)).Json.GetProperty("quota_set").GetProperty("volumes").GetInt32().ShouldBe(10);
    }

    [Theory]
    [InlineData("{\"quota_set\":{\"volumes\":-2}}", "volumes must be >= -1")]
    [InlineData("{\"quota_set\":{\"volumes\":\"abc\"}}", "volumes must be an integer")]
    [InlineData("{\"quota_set\":{\"volumes\":1.5}}", "volumes must be an integer")]
    [InlineData("{\"quota_set\":{\"volumes\":true}}", "volumes must be an integer")]
    [InlineData("{\"quota_set\":{\"volumes\":3000000000}}", "volumes must be <= 2147483647")]
    [InlineData("{\"quota_set\":{\"bogus\":1,\"volumes\":1}}", "Invalid input received: Bad key(s) in quota set: bogus")]
    [InlineData("{\"quota_set\":{\"volumes\":1,\"volumes_no-such-type\":1,\"gigabytes_\":1}}",
        "Invalid input received: Bad key(s) in quota set: gigabytes_")]
    [InlineData("{\"quota_set\":{\"volumes\":1,\"volumes_no-such-type\":1}}", "Invalid input received: Bad key(s) in quota set: volumes_no-such-type")]
    [InlineData("{\"quota_set\":{}}", "Invalid input for field/attribute quota_set. It must be an object with at least one member.")]
    [InlineData("{\"quota_set\":{\"volumes\":1},\"extra\":1}", "Additional properties are not allowed ('extra' was unexpected)")]
    public async Task A_bad_limit_is_refused_and_nothing_is_set(string body, string message)
    {
        var t = NewTenant();
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", body)).ShouldBeFault(400, "badRequest").ShouldBe(message);
        (await t.Member.Get($"os-quota-sets/{t.ProjectId}")).Json.GetProperty("quota_set").GetProperty("volumes").GetInt32().ShouldBe(10);
    }

    [Fact]
    public async Task A_limit_below_current_usage_is_refused_as_Cinder_does()
    {
        var t = NewTenant();
        await t.CreateVolumeAsync(size: 5);
        await t.CreateVolumeAsync(size: 5);
        var path = $"os-quota-sets/{t.ProjectId}";
        (await t.Admin.Put(path, new { quota_set = new { gigabytes = 100, volumes = 1 } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Quota volumes limit must be equal or greater than existing resources. Current usage is 2 and the requested limit is 1.");
        (await t.Member.Get(path)).Json.GetProperty("quota_set").GetProperty("gigabytes").GetInt32().ShouldBe(1000);
        (await t.Admin.Put(path, new { quota_set = new { volumes = -1, per_volume_gigabytes = 1, gigabytes = 10 } })).ShouldHave(200);
    }

    [Fact]
    public async Task Limits_show_the_absolute_limits_and_usage_of_the_caller_s_project()
    {
        var t = NewTenant();
        await t.CreateVolumeAsync(size: 4);
        var limits = (await t.Reader.Get("limits")).ShouldHave(200).Json.GetProperty("limits");
        limits.GetProperty("rate").GetArrayLength().ShouldBe(0);
        var absolute = limits.GetProperty("absolute");
        absolute.Keys().ShouldBe([
            "maxTotalVolumes", "maxTotalSnapshots", "maxTotalVolumeGigabytes", "maxTotalBackups", "maxTotalBackupGigabytes",
            "totalVolumesUsed", "totalGigabytesUsed", "totalSnapshotsUsed", "totalBackupsUsed", "totalBackupGigabytesUsed",
        ]);
        absolute.GetProperty("maxTotalVolumes").GetInt32().ShouldBe(10);
        absolute.GetProperty("totalVolumesUsed").GetInt32().ShouldBe(1);
        absolute.GetProperty("totalGigabytesUsed").GetInt32().ShouldBe(4);

        var other = NewTenant();
        (await other.Admin.Get($"limits?project_id={t.ProjectId}", "3.39")).Json.GetProperty("limits").GetProperty("absolute")
            .GetProperty("totalGigabytesUsed").GetInt32().ShouldBe(4);
        (await other.Member.Get($"limits?project_id={t.ProjectId}", "3.39")).Json.GetProperty("limits").GetProperty("absolute")
            .GetProperty("totalGigabytesUsed").GetInt32().ShouldBe(0);
    }

    private static Dictionary<string, object> QuotaSetOf(params (string Resource, int Limit)[] limits) =>
        new() { ["quota_set"] = limits.ToDictionary(l => l.Resource, l => l.Limit) };

    private static (int Limit, int InUse) Usage(JsonElement set, string resource) =>
        (set.GetProperty(resource).GetProperty("limit").GetInt32(), set.GetProperty(resource).GetProperty("in_use").GetInt32());
}
