using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Types;

/// <summary>A project's own default volume type (3.62): what its creates get, what it shows, and what it protects.</summary>
public sealed class DefaultTypeTests : ApiTest
{
    private const string V = "3.62";

    [Fact]
    public async Task A_project_default_is_what_the_project_s_creates_get_until_it_is_unset()
    {
        var (t, other) = (NewTenant(), NewTenant());
        var name = Unique("gold");
        var id = await t.CreateTypeAsync(name);

        var set = (await t.Admin.Put($"default-types/{t.ProjectId}", Body(name), V)).ShouldHave(200).Json;
        set.Keys().ShouldBe(["default_type"]);
        set.GetProperty("default_type").GetProperty("project_id").GetString().ShouldBe(t.ProjectId);
        set.GetProperty("default_type").GetProperty("volume_type_id").GetString().ShouldBe(id);

        (await t.Member.Get("types/default")).ShouldHave(200).Json.GetProperty("volume_type").GetProperty("name").GetString().ShouldBe(name);
        (await t.Member.Post("volumes", new { volume = new { size = 1 } })).ShouldHave(202)
            .Json.GetProperty("volume").GetProperty("volume_type").GetString().ShouldBe(name);
        // Another project keeps the deployment's default.
        (await other.Member.Post("volumes", new { volume = new { size = 1 } })).ShouldHave(202)
            .Json.GetProperty("volume").GetProperty("volume_type").GetString().ShouldBe("__DEFAULT__");
        (await other.Member.Get("types/default")).ShouldHave(200).Json.GetProperty("volume_type").GetProperty("name").GetString().ShouldBe("__DEFAULT__");

        var shown = (await t.Admin.Get($"default-types/{t.ProjectId}", V)).ShouldHave(200).Json.GetProperty("default_type");
        shown.GetProperty("volume_type_id").GetString().ShouldBe(id);
        var listed = (await t.Admin.Get("default-types", V)).ShouldHave(200).Json.GetProperty("default_types").EnumerateArray()
            .Single(d => d.GetProperty("project_id").GetString() == t.ProjectId);
        listed.GetProperty("volume_type_id").GetString().ShouldBe(id);

        // By id, a second set replaces the first.
        (await t.Admin.Put($"default-types/{t.ProjectId}", Body(Host.DefaultTypeId.ToString()), V)).ShouldHave(200)
            .Json.GetProperty("default_type").GetProperty("volume_type_id").GetString().ShouldBe(Host.DefaultTypeId.ToString());
        (await t.Admin.Put($"default-types/{t.ProjectId}", Body(name), V)).ShouldHave(200);

        (await t.Admin.Delete($"default-types/{t.ProjectId}", V)).ShouldHave(204);
        (await t.Admin.Delete($"default-types/{t.ProjectId}", V)).ShouldHave(204);
        (await t.Admin.Get($"default-types/{t.ProjectId}", V)).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"Default type for project {t.ProjectId} not found.");
        (await t.Member.Post("volumes", new { volume = new { size = 1 } })).ShouldHave(202)
            .Json.GetProperty("volume").GetProperty("volume_type").GetString().ShouldBe("__DEFAULT__");
    }

    [Fact]
    public async Task A_type_that_is_a_project_s_default_cannot_be_deleted_until_the_default_is_unset()
    {
        var t = NewTenant();
        var id = await t.CreateTypeAsync(Unique("kept"));
        (await t.Admin.Put($"default-types/{t.ProjectId}", Body(id), V)).ShouldHave(200);

        (await t.Admin.Delete($"types/{id}")).ShouldBeFault(400, "badRequest")
            .ShouldBe($"The volume type {id} is a default volume type and cannot be deleted.");
        (await t.Admin.Get($"types/{id}")).ShouldHave(200);

        (await t.Admin.Delete($"default-types/{t.ProjectId}", V)).ShouldHave(204);
        (await t.Admin.Delete($"types/{id}")).ShouldHave(202);
    }

    [Fact]
    public async Task Bad_requests_are_refused_as_Cinder_refuses_them_and_set_nothing()
    {
        var t = NewTenant();
        var path = $"default-types/{t.ProjectId}";

        (await t.Member.Put(path, Body("__DEFAULT__"), V)).ShouldBeFault(403, "forbidden").ShouldBe("You are not authorized to perform this operation.");
        (await t.Reader.Get("default-types", V)).ShouldBeFault(403, "forbidden");
        (await t.Member.Delete(path, V)).ShouldBeFault(403, "forbidden");
        (await t.Admin.Put(path, Body("no-such-type"), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Volume type with name no-such-type could not be found.");
        var unknownId = Guid.NewGuid().ToString();
        (await t.Admin.Put(path, Body(unknownId), V)).ShouldBeFault(400, "badRequest").ShouldBe($"Volume type {unknownId} could not be found.");
        (await t.Admin.Put(path, new { default_type = new { } }, V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute default_type. 'volume_type' is a required property");
        (await t.Admin.Put(path, new { default_type = new { volume_type = " padded" } }, V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute volume_type. Value:  padded. ' padded' is not a 'name'");
        (await t.Admin.Put(path, new { default_type = new { volume_type = "__DEFAULT__", extra = 1 } }, V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Additional properties are not allowed ('extra' was unexpected)");
        (await t.Admin.Put(path, new { volume_type = "__DEFAULT__" }, V)).ShouldBeFault(400, "badRequest");
        (await t.Admin.Put(path, new { default_type = new { volume_type = 7 } }, V)).ShouldBeFault(400, "badRequest");
        (await t.Admin.Put($"default-types/{new string('p', 256)}", Body("__DEFAULT__"), V)).ShouldBeFault(404, "itemNotFound");
        // Before 3.62 the routes do not exist.
        (await t.Admin.Put(path, Body("__DEFAULT__"), "3.61")).ShouldBeFault(404, "itemNotFound");
        (await t.Admin.Get("default-types", "3.61")).ShouldBeFault(404, "itemNotFound");

        (await t.Admin.Get(path, V)).ShouldBeFault(404, "itemNotFound");
        await using var db = Host.NewDb();
        db.ProjectDefaultTypes.Count(d => d.ProjectId == t.ProjectId).ShouldBe(0);
    }

    private static object Body(string type) => new { default_type = new { volume_type = type } };
}
