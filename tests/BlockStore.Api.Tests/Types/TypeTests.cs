using BlockStore.Api.Tests.Infrastructure;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Types;

public sealed class TypeTests : ApiTest
{
    private static readonly string[] MemberKeys = ["id", "name", "is_public", "description", "extra_specs", "os-volume-type-access:is_public"];

    [Fact]
    public async Task Everyone_lists_public_types_as_cinderclient_asks_and_only_admins_see_qos_specs_id()
    {
        var t = NewTenant();
        var types = // The default type is the oldest; sorting ascending keeps it on the first page however many types exist.
        (await t.Reader.Get("types?is_public=None&sort=created_at:asc")).ShouldHave(200).Json.GetProperty("volume_types");
        var fallback = types.EnumerateArray().Single(x => x.GetProperty("name").GetString() == "__DEFAULT__");
        fallback.Keys().ShouldBe(MemberKeys);
        fallback.GetProperty("is_public").GetBoolean().ShouldBeTrue();
        fallback.GetProperty("os-volume-type-access:is_public").GetBoolean().ShouldBeTrue();

        var asAdmin = (await t.Admin.Get($"types/{fallback.GetProperty("id").GetString()}")).ShouldHave(200).Json.GetProperty("volume_type");
        asAdmin.Keys().ShouldBe(["id", "name", "is_public", "description", "extra_specs", "qos_specs_id", "os-volume-type-access:is_public"]);
        (await t.Member.Get("types/default")).ShouldHave(200).Json.GetProperty("volume_type").GetProperty("name").GetString().ShouldBe("__DEFAULT__");
    }

    [Fact]
    public async Task An_admin_creates_a_type_whose_backend_name_only_admins_can_read()
    {
        var t = NewTenant();
        var name = Unique("fast");
        var created = (await t.Admin.Post("types", new Dictionary<string, object>
        {
            ["volume_type"] = new Dictionary<string, object>
            {
                ["name"] = name,
                ["description"] = "SSD pool",
                ["os-volume-type-access:is_public"] = true,
                ["extra_specs"] = new Dictionary<string, string> { ["volume_backend_name"] = "ceph-fast", ["multiattach"] = "<is> False" },
            },
        })).ShouldHave(200).Json.GetProperty("volume_type");
        var id = created.GetProperty("id").GetString()!;
        created.GetProperty("extra_specs").GetProperty("volume_backend_name").GetString().ShouldBe("ceph-fast");

        (await t.Member.Get($"types/{id}")).Json.GetProperty("volume_type").GetProperty("extra_specs").Keys().ShouldBe(["multiattach"]);
        (await t.Member.Get($"types/{id}/extra_specs")).Json.GetProperty("extra_specs").Keys().ShouldBe(["multiattach"]);
        (await t.Member.Get($"types/{id}/extra_specs/volume_backend_name")).ShouldBeFault(404, "itemNotFound");
        (await t.Admin.Get($"types/{id}/extra_specs/volume_backend_name")).Json.GetProperty("volume_backend_name").GetString().ShouldBe("ceph-fast");

        // A volume of the type lands on the type's backend.
        var volume = await t.CreateVolumeAsync(type: name);
        (await t.Admin.Get($"volumes/{volume}")).Json.GetProperty("volume").GetProperty("os-vol-host-attr:host").GetString()!.ShouldEndWith("@ceph-fast#volumes-fast");
    }

    [Fact]
    public async Task Only_an_admin_may_create_change_or_delete_a_type()
    {
        var t = NewTenant();
        var body = new { volume_type = new { name = Unique("t") } };
        (await t.Member.Post("types", body)).ShouldBeFault(403, "forbidden").ShouldBe("Policy doesn't allow volume_extension:type_create to be performed.");
        (await t.Reader.Post("types", body)).ShouldBeFault(403, "forbidden");
        var id = (await t.Admin.Post("types", body)).ShouldHave(200).Json.GetProperty("volume_type").GetProperty("id").GetString();
        (await t.Member.Put($"types/{id}", new { volume_type = new { description = "x" } })).ShouldBeFault(403, "forbidden");
        (await t.Member.Post($"types/{id}/extra_specs", new { extra_specs = new { a = "b" } })).ShouldBeFault(403, "forbidden");
        (await t.Member.Delete($"types/{id}")).ShouldBeFault(403, "forbidden");
        (await t.Admin.Delete($"types/{id}")).ShouldHave(202);
    }

    [Fact]
    public async Task A_duplicate_name_is_a_conflict()
    {
        var t = NewTenant();
        var name = Unique("dup");
        (await t.Admin.Post("types", new { volume_type = new { name } })).ShouldHave(200);
        (await t.Admin.Post("types", new { volume_type = new { name } })).ShouldBeFault(409, "conflictingRequest").ShouldBe($"Volume Type {name} already exists.");
        var other = (await t.Admin.Post("types", new { volume_type = new { name = name + "-2" } })).Json.GetProperty("volume_type").GetProperty("id").GetString();
        (await t.Admin.Put($"types/{other}", new { volume_type = new { name } })).ShouldBeFault(409, "conflictingRequest");
    }

    [Fact]
    public async Task A_backend_name_that_is_not_configured_is_refused_wherever_it_is_set()
    {
        var t = NewTenant();
        var unknown = new Dictionary<string, string> { ["volume_backend_name"] = "nowhere" };
        (await t.Admin.Post("types", new { volume_type = new { name = Unique("bad"), extra_specs = unknown } }))
            .ShouldBeFault(400, "badRequest").ShouldStartWith("Invalid input received: volume_backend_name 'nowhere' is not a configured backend");
        var id = (await t.Admin.Post("types", new { volume_type = new { name = Unique("ok") } })).Json.GetProperty("volume_type").GetProperty("id").GetString();
        (await t.Admin.Post($"types/{id}/extra_specs", new { extra_specs = unknown })).ShouldBeFault(400, "badRequest");
        (await t.Admin.Put($"types/{id}/extra_specs/volume_backend_name", unknown)).ShouldBeFault(400, "badRequest");
        (await t.Admin.Get($"types/{id}/extra_specs")).Json.GetProperty("extra_specs").Keys().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("{\"volume_type\":{}}")]
    [InlineData("{\"volume_type\":{\"name\":\"  \"}}")]
    [InlineData("{\"volume_type\":{\"name\":\"x\",\"colour\":1}}")]
    [InlineData("{\"volume_type\":{\"name\":\"x\",\"extra_specs\":{\"bad key!\":\"v\"}}}")]
    [InlineData("{\"volume_type\":{\"name\":\"x\",\"extra_specs\":{\"k\":5}}}")]
    [InlineData("{\"volume_type\":{\"name\":\"x\",\"os-volume-type-access:is_public\":\"perhaps\"}}")]
    [InlineData("{\"volume_type\":")]
    public async Task A_bad_type_body_is_refused(string body)
    {
        var t = NewTenant();
        (await t.Admin.Post("types", body)).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task Private_types_are_for_admins_and_is_public_filters_them()
    {
        var t = NewTenant();
        var name = Unique("private");
        var id = (await t.Admin.Post("types", new Dictionary<string, object>
        {
            ["volume_type"] = new Dictionary<string, object> { ["name"] = name, ["os-volume-type-access:is_public"] = "false" },
        })).ShouldHave(200).Json.GetProperty("volume_type").GetProperty("id").GetString();

        async Task<bool> Lists(ApiClient who, string query) =>
            (await who.Get($"types{query}")).ShouldHave(200).Json.GetProperty("volume_types").EnumerateArray().Any(x => x.GetProperty("id").GetString() == id);

        (await Lists(t.Admin, "")).ShouldBeFalse();
        (await Lists(t.Admin, "?is_public=None")).ShouldBeTrue();
        (await Lists(t.Admin, "?is_public=false")).ShouldBeTrue();
        (await Lists(t.Member, "?is_public=None")).ShouldBeFalse();
        (await t.Admin.Get("types?is_public=sometimes")).ShouldBeFault(400, "badRequest").ShouldBe("Invalid is_public filter [sometimes]");
        (await t.Member.Get($"types/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Volume type {id} could not be found.");
        (await t.Member.Post("volumes", new { volume = new { size = 1, volume_type = name } })).ShouldBeFault(404, "itemNotFound");
        (await t.Admin.Delete($"types/{id}")).ShouldHave(202);
    }

    [Fact]
    public async Task Updating_a_type_renames_and_describes_it_but_not_the_default_one()
    {
        var t = NewTenant();
        var id = (await t.Admin.Post("types", new { volume_type = new { name = Unique("u") } })).Json.GetProperty("volume_type").GetProperty("id").GetString();
        var renamed = Unique("v");
        var updated = (await t.Admin.Put($"types/{id}", new { volume_type = new { name = renamed, description = "d", is_public = "False" } }))
            .ShouldHave(200).Json.GetProperty("volume_type");
        updated.GetProperty("name").GetString().ShouldBe(renamed);
        updated.GetProperty("description").GetString().ShouldBe("d");
        updated.GetProperty("is_public").GetBoolean().ShouldBeFalse();
        (await t.Admin.Put($"types/{id}", new { volume_type = new { } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Specify volume type name, description, is_public or a combination thereof.");
        var fallback = (await t.Admin.Get("types/default")).Json.GetProperty("volume_type").GetProperty("id").GetString();
        (await t.Admin.Put($"types/{fallback}", new { volume_type = new { name = "renamed-default" } })).ShouldBeFault(400, "badRequest");
        (await t.Admin.Delete($"types/{fallback}")).ShouldBeFault(400, "badRequest").ShouldContain("is a default volume type and cannot be deleted");
    }

    [Fact]
    public async Task Extra_specs_are_merged_set_and_removed_one_key_at_a_time()
    {
        var t = NewTenant();
        var id = (await t.Admin.Post("types", new { volume_type = new { name = Unique("s"), extra_specs = new { a = "1" } } }))
            .Json.GetProperty("volume_type").GetProperty("id").GetString();
        var path = $"types/{id}/extra_specs";
        (await t.Admin.Post(path, new { extra_specs = new { b = "2" } })).ShouldHave(200).Json.GetProperty("extra_specs").Keys().ShouldBe(["b"]);
        (await t.Admin.Get(path)).Json.GetProperty("extra_specs").Keys().Order().ShouldBe(["a", "b"]);
        (await t.Admin.Put($"{path}/c", new { c = "3" })).ShouldHave(200).Json.GetProperty("c").GetString().ShouldBe("3");
        (await t.Admin.Put($"{path}/c", new { d = "3" })).ShouldBeFault(400, "badRequest").ShouldBe("Request body and URI mismatch");
        (await t.Admin.Put($"{path}/c", new { c = "3", d = "4" })).ShouldBeFault(400, "badRequest").ShouldBe("Request body contains too many items");
        (await t.Admin.Delete($"{path}/a")).ShouldHave(202);
        (await t.Admin.Delete($"{path}/a")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Volume Type {id} has no extra specs with key a.");
        (await t.Admin.Get(path)).Json.GetProperty("extra_specs").Keys().Order().ShouldBe(["b", "c"]);
    }

    [Fact]
    public async Task A_type_in_use_can_neither_be_deleted_nor_have_its_specs_changed()
    {
        var t = NewTenant();
        var name = Unique("used");
        var id = (await t.Admin.Post("types", new { volume_type = new { name } })).Json.GetProperty("volume_type").GetProperty("id").GetString();
        await t.CreateVolumeAsync(type: name);
        (await t.Admin.Delete($"types/{id}")).ShouldBeFault(400, "badRequest").ShouldBe("Target volume type is still in use.");
        (await t.Admin.Post($"types/{id}/extra_specs", new { extra_specs = new { a = "1" } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Volume Type is currently in use.");
        (await t.Member.Get($"types/{id}")).ShouldHave(200);
    }

    [Fact]
    public async Task A_deleted_type_is_gone()
    {
        var t = NewTenant();
        var id = (await t.Admin.Post("types", new { volume_type = new { name = Unique("gone") } })).Json.GetProperty("volume_type").GetProperty("id").GetString();
        (await t.Admin.Delete($"types/{id}")).ShouldHave(202);
        (await t.Admin.Get($"types/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Volume type {id} could not be found.");
        (await t.Admin.Get("types/nope")).ShouldBeFault(404, "itemNotFound").ShouldBe("Volume type nope could not be found.");
    }
}
