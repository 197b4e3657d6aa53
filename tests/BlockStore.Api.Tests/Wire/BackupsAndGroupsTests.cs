using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Wire;

/// <summary>
/// Groups, which BlockStore does not keep: their lists answer empty (Horizon lists groups on every volumes page), what is
/// named is not found, and a create is refused as Cinder refuses it, writing nothing. A backup named that does not exist is
/// not found either (backups themselves: <c>Backups/BackupTests</c>).
/// </summary>
public sealed class BackupsAndGroupsTests : ApiTest
{
    [Theory]
    [InlineData("groups", "groups", "3.13")]
    [InlineData("groups/detail", "groups", "3.13")]
    [InlineData("group_snapshots", "group_snapshots", "3.14")]
    [InlineData("group_snapshots/detail", "group_snapshots", "3.14")]
    [InlineData("group_types", "group_types", "3.11")]
    [InlineData("consistencygroups", "consistencygroups", "3.0")]
    [InlineData("consistencygroups/detail", "consistencygroups", "3.0")]
    [InlineData("cgsnapshots", "cgsnapshots", "3.0")]
    [InlineData("cgsnapshots/detail", "cgsnapshots", "3.0")]
    public async Task The_lists_answer_empty_with_a_count_when_asked(string path, string collection, string version)
    {
        var t = NewTenant();
        await Host.VolumeAsync(t.ProjectId);
        var list = (await t.Reader.Get(path, version)).ShouldHave(200).Json;
        list.Keys().ShouldBe([collection]);
        list.GetProperty(collection).GetArrayLength().ShouldBe(0);
        var counted = (await t.Member.Get($"{path}?with_count=true", "3.45")).ShouldHave(200).Json;
        counted.GetProperty("count").GetInt32().ShouldBe(0);
        (await t.Member.Get($"{path}?marker={Guid.NewGuid()}", version)).ShouldBeFault(400, "badRequest").ShouldStartWith("Invalid input received: marker [");
    }

    [Theory]
    [InlineData("groups", "3.12")]
    [InlineData("group_snapshots", "3.13")]
    [InlineData("group_types", "3.10")]
    public async Task Groups_do_not_exist_below_their_microversions(string path, string version)
    {
        var t = NewTenant();
        (await t.Member.Get(path, version)).ShouldBeFault(404, "itemNotFound").ShouldBe("The resource could not be found.");
    }

    [Fact]
    public async Task What_is_named_is_not_found_in_Cinder_s_words()
    {
        var t = NewTenant();
        var id = Guid.NewGuid();
        (await t.Member.Get($"backups/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Backup {id} could not be found.");
        (await t.Member.Delete($"backups/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Backup {id} could not be found.");
        (await t.Member.Post($"backups/{id}/restore", new { restore = new { } })).ShouldBeFault(404, "itemNotFound");
        (await t.Reader.Delete($"backups/{id}")).ShouldBeFault(403, "forbidden");
        (await t.Member.Get($"groups/{id}", "3.13")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Group {id} could not be found.");
        (await t.Member.Get($"group_snapshots/{id}", "3.14")).ShouldBeFault(404, "itemNotFound").ShouldBe($"GroupSnapshot {id} could not be found.");
        (await t.Member.Get($"group_types/{id}", "3.11")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Group type {id} could not be found.");
        (await t.Member.Get($"consistencygroups/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Group {id} could not be found.");
        (await t.Member.Get($"cgsnapshots/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"GroupSnapshot {id} could not be found.");
    }

    [Fact]
    public async Task A_group_create_finds_no_group_type_and_group_types_cannot_be_made()
    {
        var t = NewTenant();
        var byName = new { group = new { group_type = "consistent", volume_types = new[] { "__DEFAULT__" } } };
        (await t.Member.Post("groups", byName, "3.13")).ShouldBeFault(404, "itemNotFound").ShouldBe("Group type with name consistent could not be found.");
        var id = Guid.NewGuid();
        (await t.Member.Post("groups", new { group = new { group_type = id, volume_types = new[] { "__DEFAULT__" } } }, "3.13"))
            .ShouldBeFault(404, "itemNotFound").ShouldBe($"Group type {id} could not be found.");
        (await t.Member.Post("groups", new { group = new { group_type = "consistent" } }, "3.13")).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute group. 'volume_types' is a required property");
        (await t.Reader.Post("groups", byName, "3.13")).ShouldBeFault(403, "forbidden");
        (await t.Member.Post("group_types", new { group_type = new { name = "g" } }, "3.11")).ShouldBeFault(403, "forbidden");
        (await t.Admin.Post("group_types", new { group_type = new { name = "g" } }, "3.11")).ShouldBeFault(400, "badRequest");
        (await t.Admin.Get("group_types", "3.11")).ShouldHave(200).Json.GetProperty("group_types").GetArrayLength().ShouldBe(0);
        var cg = new { consistencygroup = new { name = "cg", volume_types = "__DEFAULT__" } };
        (await t.Reader.Post("consistencygroups", cg)).ShouldBeFault(403, "forbidden");
        (await t.Member.Post("consistencygroups", cg)).ShouldBeFault(400, "badRequest").ShouldStartWith("Invalid input received: consistency groups cannot be created");
        (await t.Member.Get("consistencygroups")).ShouldHave(200).Json.GetProperty("consistencygroups").GetArrayLength().ShouldBe(0);
    }
}
