using BlockStore.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Types;

/// <summary>
/// <c>…/resource_filters</c> names the filters each list serves, and each list honours every filter it names: a value
/// that the test's own rows do not hold must change the list, where an ignored filter would leave it as it was.
/// </summary>
public sealed class ResourceFiltersTests : ApiTest
{
    private const string Latest = "3.70";

    [Fact]
    public async Task Every_filter_it_names_narrows_its_list()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        await Host.SnapshotAsync(volume);
        await Host.BackupAsync(volume);
        await Host.MessageAsync(t.ProjectId, volume.Id);
        (await t.Member.Post("attachments", new { attachment = new { volume_uuid = volume.Id, instance_uuid = Guid.NewGuid() } }, "3.27")).ShouldHave(200);
        var service = $"filters-{Guid.NewGuid():N}@local";
        await Host.ServicesAsync(Seed.Service(service, backendUp: true, DateTime.UtcNow));
        await t.CreateTypeAsync(Unique("private"), isPublic: false);

        var nowhere = Guid.NewGuid().ToString();
        var nothing = new Dictionary<string, string>
        {
            ["name"] = nowhere, ["status"] = "nowhere", ["availability_zone"] = "nowhere", ["bootable"] = "true", ["size"] = "999",
            ["migration_status"] = "migrating", ["metadata"] = "{\"k\": \"nowhere\"}", ["glance_metadata"] = "{\"k\": \"nowhere\"}",
            ["created_at"] = "lt:2000-01-01T00:00:00", ["updated_at"] = "lt:2000-01-01T00:00:00", ["volume_id"] = nowhere,
            ["resource_uuid"] = nowhere, ["resource_type"] = "nowhere", ["event_id"] = "nowhere", ["request_id"] = "nowhere",
            ["message_level"] = "nowhere", ["instance_id"] = nowhere, ["attach_status"] = "nowhere", ["volume_type"] = "__DEFAULT__",
            ["is_public"] = "false", ["extra_specs"] = "{'volume_backend_name': 'nowhere'}",
        };
        // Each resource's list, its collection, and the caller who sees all the rows made above.
        var lists = new Dictionary<string, (string Path, string Collection, ApiClient Caller)>
        {
            ["volume"] = ("volumes", "volumes", t.Member),
            ["snapshot"] = ("snapshots", "snapshots", t.Member),
            ["backup"] = ("backups", "backups", t.Member),
            ["message"] = ("messages", "messages", t.Member),
            ["attachment"] = ("attachments", "attachments", t.Member),
            // The default type selects the default backend, ceph: the local pool seeded above goes.
            ["pool"] = ("scheduler-stats/get_pools", "pools", t.Admin),
            // Public types by default; is_public=false lists the private ones instead.
            ["volume_type"] = ("types", "volume_types", t.Admin),
        };

        var body = (await t.Member.Get("resource_filters", Latest)).ShouldHave(200).Json;
        body.Keys().ShouldBe(["resource_filters"]);
        var served = body.GetProperty("resource_filters").EnumerateArray()
            .ToDictionary(r => r.GetProperty("resource").GetString()!, r => r.GetProperty("filters").EnumerateArray().Select(f => f.GetString()!).ToList());
        served.Keys.ShouldBe(lists.Keys, ignoreOrder: true);

        var failures = new List<string>();
        try
        {
            foreach (var (resource, filters) in served)
            {
                var (path, collection, caller) = lists[resource];
                var all = await ListAsync(caller, path, collection);
                all.ShouldNotBeEmpty($"{resource}: the test's rows are not listed");
                foreach (var filter in filters)
                {
                    nothing.ContainsKey(filter).ShouldBeTrue($"{resource}: no value to test the filter {filter} with");
                    var separator = path.Contains('?') ? '&' : '?';
                    var filtered = await ListAsync(caller, $"{path}{separator}{filter}={Uri.EscapeDataString(nothing[filter])}", collection);
                    if (filtered.SetEquals(all)) failures.Add($"{resource} filter {filter}: the list is the same with it as without it");
                }
            }
        }
        finally
        {
            // Service rows are global: a stale one would be listed by every later pool list.
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host == service).ExecuteDeleteAsync();
        }
        failures.ShouldBeEmpty(string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task It_lists_one_resource_on_request_and_only_what_the_version_serves()
    {
        var t = NewTenant();
        var volume = (await t.Member.Get("resource_filters?resource=volume", "3.33")).ShouldHave(200).Json
            .GetProperty("resource_filters").EnumerateArray().ShouldHaveSingleItem();
        volume.GetProperty("resource").GetString().ShouldBe("volume");
        var filters = volume.GetProperty("filters").EnumerateArray().Select(f => f.GetString()).ToList();
        filters.ShouldContain("glance_metadata");
        filters.ShouldNotContain("created_at");
        (await t.Member.Get("resource_filters?resource=group", Latest)).ShouldHave(200).Json.GetProperty("resource_filters").GetArrayLength().ShouldBe(0);
        (await t.Member.Get("resource_filters", "3.32")).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task From_3_33_a_member_s_unknown_filter_is_refused_as_Cinder_refuses_it_rather_than_ignored()
    {
        var t = NewTenant();
        foreach (var list in new[] { "volumes", "volumes/detail", "snapshots", "snapshots/detail", "messages", "attachments", "attachments/detail" })
        {
            (await t.Member.Get($"{list}?bogus=1&limit=5", "3.33")).ShouldBeFault(400, "badRequest")
                .ShouldBe("Invalid filters bogus are found in query options.", list);
            (await t.Member.Get($"{list}?bogus=1", "3.32")).ShouldHave(200);
            // cinderclient always sends all_tenants; paging, sorting and counting are no filters.
            (await t.Member.Get($"{list}?all_tenants=0&limit=5&offset=0&sort=created_at:desc", "3.33")).ShouldHave(200);
        }
        (await t.Member.Get("volumes?with_count=true&name=x&metadata={}", Latest)).ShouldHave(200);
        // Known to the list at any version, as in Cinder: created_at is ignored before 3.60, not refused.
        (await t.Member.Get("volumes?created_at=lt:2000-01-01T00:00:00", "3.40")).ShouldHave(200);
        (await t.Admin.Get("volumes?bogus=1", Latest)).ShouldHave(200);
        (await t.Member.Get("types?bogus=1", "3.52")).ShouldBeFault(400, "badRequest");
        (await t.Member.Get("types?bogus=1", "3.51")).ShouldHave(200);
        // The pool list is checked for admins too, from 3.28.
        (await t.Admin.Get("scheduler-stats/get_pools?bogus=1&detail=true", "3.28")).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid filters bogus are found in query options.");
        (await t.Admin.Get("scheduler-stats/get_pools?bogus=1", "3.27")).ShouldHave(200);
    }

    [Fact]
    public async Task From_3_34_a_tilde_filter_lists_the_names_that_contain_the_value()
    {
        var t = NewTenant();
        var word = Guid.NewGuid().ToString("N")[..10];
        var matching = await Host.VolumeAsync(t.ProjectId, name: $"db-{word}-primary");
        await Host.VolumeAsync(t.ProjectId, name: "other");
        await Host.SnapshotAsync(matching, name: $"snap-{word}");

        var names = (await t.Member.Get($"volumes?name~={word}", "3.34")).ShouldHave(200).Json.GetProperty("volumes").EnumerateArray()
            .Select(v => v.GetProperty("id").GetString()).ToList();
        names.ShouldBe([matching.Id.ToString()]);
        (await t.Member.Get($"volumes?status~=vailab", "3.34")).ShouldHave(200).Json.GetProperty("volumes").GetArrayLength().ShouldBe(2);
        (await t.Member.Get($"volumes?name~={word}", "3.33")).ShouldBeFault(400, "badRequest").ShouldBe("Invalid filters name~ are found in query options.");
        (await t.Member.Get("volumes?bootable~=t", "3.34")).ShouldBeFault(400, "badRequest");
        (await t.Member.Get($"snapshots?name~={word}", Latest)).ShouldHave(200).Json.GetProperty("snapshots").GetArrayLength().ShouldBe(1);
        (await t.Member.Get("snapshots?name~=zzz-none", Latest)).ShouldHave(200).Json.GetProperty("snapshots").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Types_filter_by_extra_specs_and_a_member_only_by_those_it_may_see()
    {
        var t = NewTenant();
        var zoned = Unique("zoned");
        var local = Unique("local");
        await t.CreateTypeAsync(zoned, new() { ["RESKEY:availability_zones"] = "nova,az2", ["volume_backend_name"] = "ceph" });
        await t.CreateTypeAsync(local, new() { ["volume_backend_name"] = "local" });

        async Task<List<string>> Names(ApiClient caller, string specs) =>
            (await caller.Get($"types?extra_specs={Uri.EscapeDataString(specs)}", "3.52")).ShouldHave(200).Json.GetProperty("volume_types")
                .EnumerateArray().Select(v => v.GetProperty("name").GetString()!).Where(n => n == zoned || n == local).ToList();

        (await Names(t.Admin, "{'volume_backend_name': 'local'}")).ShouldBe([local]);
        (await Names(t.Admin, "{\"RESKEY:availability_zones\": \"az2\", \"volume_backend_name\": \"ceph\"}")).ShouldBe([zoned]);
        (await Names(t.Member, "{'RESKEY:availability_zones': 'az2'}")).ShouldBe([zoned]);
        (await Names(t.Member, "{'volume_backend_name': 'local'}")).ShouldBeEmpty();
        // Before 3.52 the filter is not there: both are listed.
        (await t.Admin.Get($"types?extra_specs={Uri.EscapeDataString("{'volume_backend_name': 'local'}")}", "3.51")).ShouldHave(200).Body.ShouldContain(zoned);
        (await t.Admin.Get("types?extra_specs=not-a-dict", "3.52")).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: extra_specs filter must be a JSON object of strings.");
    }

    /// <summary>The ids of the list's rows (names, for pools).</summary>
    private static async Task<HashSet<string>> ListAsync(ApiClient caller, string path, string collection) =>
        (await caller.Get(path, Latest)).ShouldHave(200).Json.GetProperty(collection).EnumerateArray()
            .Select(e => (e.TryGetProperty("id", out var id) ? id : e.GetProperty("name")).GetString()!).ToHashSet();
}
