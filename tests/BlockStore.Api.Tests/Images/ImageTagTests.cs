using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Images;

/// <summary>Glance's image tags: set at create, added and deleted one by one, replaced by a patch, and a list filter.</summary>
public sealed class ImageTagTests : ApiTest
{
    private static async Task<string> CreateAsync(ApiClient client, params string[] tags) =>
        (await client.Post("/v2/images", new { name = "tagged", disk_format = "raw", container_format = "bare", tags }))
        .ShouldHave(201).Json.GetProperty("id").GetString()!;

    private static async Task<string[]> TagsAsync(ApiClient client, string id) =>
        [.. (await client.Get($"/v2/images/{id}")).ShouldHave(200).Json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).Order()];

    [Fact]
    public async Task Tags_are_set_at_create_added_and_deleted_one_by_one()
    {
        var t = NewTenant();
        var id = await CreateAsync(t.Member, "os:linux", "os:linux", "golden");
        (await TagsAsync(t.Member, id)).ShouldBe(["golden", "os:linux"]);
        (await t.Member.Put($"/v2/images/{id}/tags/gpu", new { })).ShouldHave(204).Body.ShouldBeEmpty();
        (await t.Member.Put($"/v2/images/{id}/tags/gpu", new { })).ShouldHave(204); // again: no change
        (await TagsAsync(t.Member, id)).ShouldBe(["golden", "gpu", "os:linux"]);
        (await t.Member.Delete($"/v2/images/{id}/tags/golden")).ShouldHave(204);
        (await t.Member.Delete($"/v2/images/{id}/tags/golden")).ShouldBeFault(404, "itemNotFound");
        (await TagsAsync(t.Member, id)).ShouldBe(["gpu", "os:linux"]);
    }

    [Fact]
    public async Task A_patch_replaces_the_tags_as_a_whole()
    {
        var t = NewTenant();
        var id = await CreateAsync(t.Member, "a", "b");
        var patched = (await t.Member.Send(HttpMethod.Patch, $"/v2/images/{id}", new object[] { new { op = "replace", path = "/tags", value = new[] { "c", "d", "c" } } },
            contentType: "application/openstack-images-v2.1-json-patch")).ShouldHave(200).Json;
        patched.GetProperty("tags").EnumerateArray().Select(x => x.GetString()).Order().ShouldBe(["c", "d"]);
        (await TagsAsync(t.Member, id)).ShouldBe(["c", "d"]);
        (await t.Member.Send(HttpMethod.Patch, $"/v2/images/{id}", new object[] { new { op = "replace", path = "/tags", value = "c" } },
            contentType: "application/openstack-images-v2.1-json-patch")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task Lists_filter_by_every_tag_given()
    {
        var t = NewTenant();
        var both = await CreateAsync(t.Member, "x", "y");
        var onlyX = await CreateAsync(t.Member, "x");
        await CreateAsync(t.Member);
        string[] Ids(Reply r) => [.. r.ShouldHave(200).Json.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).Order()];
        Ids(await t.Member.Get($"/v2/images?owner={t.ProjectId}&tag=x")).ShouldBe(new[] { both, onlyX }.Order().ToArray());
        Ids(await t.Member.Get($"/v2/images?owner={t.ProjectId}&tag=x&tag=y")).ShouldBe([both]);
        Ids(await t.Member.Get($"/v2/images?owner={t.ProjectId}&tag=z")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Bad_tags_are_refused_and_only_the_owner_or_an_admin_changes_them()
    {
        var t = NewTenant();
        (await t.Member.Post("/v2/images", new { disk_format = "raw", tags = new[] { new string('t', 256) } })).ShouldBeFault(400, "badRequest");
        (await t.Member.Post("/v2/images", new { disk_format = "raw", tags = new[] { "" } })).ShouldBeFault(400, "badRequest");
        (await t.Member.Post("/v2/images", new { disk_format = "raw", tags = "x" })).ShouldBeFault(400, "badRequest");
        (await t.Member.Post("/v2/images", new { disk_format = "raw", tags = Enumerable.Range(0, 129).Select(i => $"t{i}").ToArray() }))
            .ShouldBeFault(413, "overLimit").ShouldBe("Maximum number of tags exceeded. Attempted: 129, Maximum: 128");
        var id = await CreateAsync(t.Member, Enumerable.Range(0, 128).Select(i => $"t{i}").ToArray());
        (await t.Member.Put($"/v2/images/{id}/tags/one-more", new { })).ShouldBeFault(413, "overLimit");
        (await t.Reader.Put($"/v2/images/{id}/tags/r", new { })).ShouldBeFault(403, "forbidden");
        (await t.Member.Put($"/v2/images/{Guid.NewGuid()}/tags/r", new { })).ShouldBeFault(404, "itemNotFound");
        (await t.Admin.Delete($"/v2/images/{id}/tags/t0")).ShouldHave(204);
        (await TagsAsync(t.Member, id)).Length.ShouldBe(127);
    }
}
