using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Images;

/// <summary><c>PATCH /v2/images/{id}</c>: Glance's JSON patch on an image's record, all of it or none.</summary>
public sealed class ImagePatchTests : ApiTest
{
    private const string Patch = "application/openstack-images-v2.1-json-patch";

    private static Task<Reply> PatchAsync(ApiClient client, string id, object operations, string contentType = Patch) =>
        client.Send(HttpMethod.Patch, $"/v2/images/{id}", operations, contentType: contentType);

    private static async Task<string> CreateAsync(ApiClient client) =>
        (await client.Post("/v2/images", new { name = "before", disk_format = "raw", container_format = "bare", os_distro = "cirros", hw_disk_bus = "virtio" }))
        .ShouldHave(201).Json.GetProperty("id").GetString()!;

    [Fact]
    public async Task The_owner_renames_an_image_and_sets_and_removes_its_properties_in_one_patch()
    {
        var t = NewTenant();
        var id = await CreateAsync(t.Member);
        var image = (await PatchAsync(t.Member, id, new object[]
        {
            new { op = "replace", path = "/name", value = "after" },
            new { op = "add", path = "/os_version", value = "0.6" },
            new { op = "replace", path = "/os_distro", value = "alpine" },
            new { op = "remove", path = "/hw_disk_bus" },
            new { op = "replace", path = "/min_disk", value = 3 },
            new { op = "replace", path = "/protected", value = true },
            new { op = "replace", path = "/disk_format", value = "qcow2" },
        })).ShouldHave(200).Json;
        image.GetProperty("name").GetString().ShouldBe("after");
        image.GetProperty("os_version").GetString().ShouldBe("0.6");
        image.GetProperty("os_distro").GetString().ShouldBe("alpine");
        image.TryGetProperty("hw_disk_bus", out _).ShouldBeFalse();
        image.GetProperty("min_disk").GetInt32().ShouldBe(3);
        image.GetProperty("protected").GetBoolean().ShouldBeTrue();
        image.GetProperty("disk_format").GetString().ShouldBe("qcow2");
        (await t.Member.Get($"/v2/images/{id}")).ShouldHave(200).Json.GetProperty("name").GetString().ShouldBe("after");
        // Protected: it cannot be deleted until the flag is cleared, by a patch.
        (await t.Member.Delete($"/v2/images/{id}")).ShouldHave(403);
        (await PatchAsync(t.Member, id, new object[] { new { op = "replace", path = "/protected", value = false } })).ShouldHave(200);
        (await t.Member.Delete($"/v2/images/{id}")).ShouldHave(204);
    }

    [Fact]
    public async Task A_bad_patch_is_refused_as_Glance_refuses_it_and_changes_nothing()
    {
        var t = NewTenant();
        var id = await CreateAsync(t.Member);
        (await PatchAsync(t.Member, id, new object[] { new { op = "replace", path = "/name", value = "x" } }, "application/json"))
            .ShouldBeFault(415, "badMediaType");
        (await PatchAsync(t.Member, id, new object[] { new { op = "replace", path = "/status", value = "active" } })).ShouldBeFault(403, "forbidden")
            .ShouldBe("Attribute 'status' is read-only.");
        (await PatchAsync(t.Member, id, new object[] { new { op = "remove", path = "/name" } })).ShouldBeFault(403, "forbidden");
        (await PatchAsync(t.Member, id, new object[] { new { op = "remove", path = "/absent" } })).ShouldBeFault(409, "conflictingRequest");
        (await PatchAsync(t.Member, id, new object[] { new { op = "replace", path = "/absent", value = "v" } })).ShouldBeFault(409, "conflictingRequest");
        (await PatchAsync(t.Member, id, new object[] { new { op = "move", path = "/name", from = "/x" } })).ShouldBeFault(400, "badRequest");
        (await PatchAsync(t.Member, id, new object[] { new { op = "replace", path = "name", value = "x" } })).ShouldBeFault(400, "badRequest");
        (await PatchAsync(t.Member, id, new object[] { new { op = "replace", path = "/min_ram", value = -1 } })).ShouldBeFault(400, "badRequest");
        (await PatchAsync(t.Member, id, new object[] { new { op = "replace", path = "/disk_format", value = "vmdk" } })).ShouldBeFault(400, "badRequest");
        (await PatchAsync(t.Member, id, new { op = "replace", path = "/name", value = "x" })).ShouldBeFault(400, "badRequest");
        // Everything or nothing: a later operation's refusal undoes the earlier ones.
        (await PatchAsync(t.Member, id, new object[]
        {
            new { op = "replace", path = "/name", value = "changed" }, new { op = "replace", path = "/id", value = "x" },
        })).ShouldBeFault(403, "forbidden");
        (await PatchAsync(t.Member, id, new object[] { new { op = "replace", path = "/visibility", value = "public" } })).ShouldBeFault(403, "forbidden");
        (await PatchAsync(t.Reader, id, new object[] { new { op = "replace", path = "/name", value = "x" } })).ShouldBeFault(403, "forbidden");
        (await PatchAsync(NewTenant().Member, id, new object[] { new { op = "replace", path = "/name", value = "x" } })).ShouldBeFault(404, "itemNotFound");
        var image = (await t.Member.Get($"/v2/images/{id}")).ShouldHave(200).Json;
        image.GetProperty("name").GetString().ShouldBe("before");
        image.GetProperty("visibility").GetString().ShouldBe("shared");

        // An admin may publicize it.
        (await PatchAsync(t.Admin, id, new object[] { new { op = "replace", path = "/visibility", value = "public" } })).ShouldHave(200)
            .Json.GetProperty("visibility").GetString().ShouldBe("public");
        (await t.Admin.Delete($"/v2/images/{id}")).ShouldHave(204);
    }
}
