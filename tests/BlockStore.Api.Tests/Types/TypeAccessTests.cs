using BlockStore.Api.Tests.Infrastructure;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Types;

/// <summary>Private types shared with projects: who sees and uses them, and the admin's access list.</summary>
public sealed class TypeAccessTests : ApiTest
{
    [Fact]
    public async Task A_private_type_is_seen_and_used_only_by_the_projects_it_is_shared_with_until_access_is_removed()
    {
        var (shared, other) = (NewTenant(), NewTenant());
        var name = Unique("private");
        var id = await shared.CreateTypeAsync(name, isPublic: false);

        await ShouldNotSeeAsync(shared, id, name);
        (await Access(shared.Admin, id, "addProjectAccess", shared.ProjectId)).ShouldHave(202);

        (await shared.Member.Get($"types/{id}")).ShouldHave(200).Json.GetProperty("volume_type").GetProperty("name").GetString().ShouldBe(name);
        (await shared.Reader.Get("types?sort=created_at:desc&limit=1000")).ShouldHave(200).Body.ShouldContain(id);
        var volume = (await shared.Member.Post("volumes", new { volume = new { size = 1, volume_type = name } })).ShouldHave(202).Json.GetProperty("volume");
        volume.GetProperty("volume_type").GetString().ShouldBe(name);
        await ShouldNotSeeAsync(other, id, name);

        var list = (await shared.Admin.Get($"types/{id}/os-volume-type-access")).ShouldHave(200).Json;
        list.Keys().ShouldBe(["volume_type_access"]);
        var entry = list.GetProperty("volume_type_access").EnumerateArray().ShouldHaveSingleItem();
        entry.GetProperty("volume_type_id").GetString().ShouldBe(id);
        entry.GetProperty("project_id").GetString().ShouldBe(shared.ProjectId);

        (await Access(shared.Admin, id, "removeProjectAccess", shared.ProjectId)).ShouldHave(202);
        await ShouldNotSeeAsync(shared, id, name);
        (await shared.Admin.Get($"types/{id}/os-volume-type-access")).ShouldHave(200).Json.GetProperty("volume_type_access").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Access_changes_are_refused_as_Cinder_refuses_them_and_change_nothing()
    {
        var t = NewTenant();
        var id = await t.CreateTypeAsync(Unique("private"), isPublic: false);
        var publicType = Host.DefaultTypeId.ToString();

        (await Access(t.Member, id, "addProjectAccess", t.ProjectId)).ShouldBeFault(403, "forbidden")
            .ShouldBe("Policy doesn't allow volume_extension:volume_type_access:addProjectAccess to be performed.");
        (await t.Member.Get($"types/{id}/os-volume-type-access")).ShouldBeFault(403, "forbidden");
        (await Access(t.Admin, publicType, "addProjectAccess", t.ProjectId)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid volume type: Type access modification is not applicable to public volume type.");
        (await t.Admin.Get($"types/{publicType}/os-volume-type-access")).ShouldBeFault(404, "itemNotFound")
            .ShouldBe("Access list not available for public volume types.");
        (await t.Admin.Post($"types/{id}/action", Action("addProjectAccess", new { }))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Missing required element 'project' in request body.");
        (await t.Admin.Post($"types/{id}/action", Action("shareWithEveryone", new { project = "x" }))).ShouldBeFault(400, "badRequest");
        (await Access(t.Admin, Guid.NewGuid().ToString(), "addProjectAccess", t.ProjectId)).ShouldBeFault(404, "itemNotFound");
        (await Access(t.Admin, id, "removeProjectAccess", t.ProjectId)).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"Volume type access not found for {id} / {t.ProjectId} combination.");

        (await Access(t.Admin, id, "addProjectAccess", t.ProjectId)).ShouldHave(202);
        (await Access(t.Admin, id, "addProjectAccess", t.ProjectId)).ShouldBeFault(409, "conflictingRequest")
            .ShouldBe($"Volume type access for {id} / {t.ProjectId} combination already exists.");
        (await t.Admin.Get($"types/{id}/os-volume-type-access")).ShouldHave(200).Json.GetProperty("volume_type_access").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Deleting_a_shared_type_takes_its_access_list_with_it()
    {
        var t = NewTenant();
        var id = await t.CreateTypeAsync(Unique("private"), isPublic: false);
        (await Access(t.Admin, id, "addProjectAccess", t.ProjectId)).ShouldHave(202);
        (await t.Admin.Delete($"types/{id}")).ShouldHave(202);
        (await t.Admin.Get($"types/{id}/os-volume-type-access")).ShouldBeFault(404, "itemNotFound");
        await using var db = Host.NewDb();
        db.VolumeTypeAccess.Count(a => a.VolumeTypeId == Guid.Parse(id)).ShouldBe(0);
    }

    private static Task<Reply> Access(ApiClient client, string typeId, string action, string project) =>
        client.Post($"types/{typeId}/action", Action(action, new { project }));

    private static async Task ShouldNotSeeAsync(Tenant t, string id, string name)
    {
        (await t.Member.Get($"types/{id}")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Get("types?sort=created_at:desc&limit=1000")).ShouldHave(200).Body.ShouldNotContain(id);
        (await t.Member.Post("volumes", new { volume = new { size = 1, volume_type = name } })).ShouldBeFault(404, "itemNotFound");
    }
}
