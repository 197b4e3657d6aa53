using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Images;

/// <summary>Glance's <c>community</c> visibility: every project sees and uses the image; others list it only on request.</summary>
public sealed class CommunityImageTests : ApiTest
{
    private const string Patch = "application/openstack-images-v2.1-json-patch";

    [Fact]
    public async Task Another_project_finds_and_uses_a_community_image_but_lists_it_only_when_asked()
    {
        var owner = NewTenant();
        var other = NewTenant();
        var image = await Host.ActiveImageAsync(owner.ProjectId, 1L << 30);
        var id = image.Id.ToString();
        (await other.Member.Get($"/v2/images/{id}")).ShouldBeFault(404, "itemNotFound");
        (await owner.Member.Send(HttpMethod.Patch, $"/v2/images/{id}", new object[] { new { op = "replace", path = "/visibility", value = "community" } },
            contentType: Patch)).ShouldHave(200).Json.GetProperty("visibility").GetString().ShouldBe("community");

        (await other.Member.Get($"/v2/images/{id}")).ShouldHave(200).Json.GetProperty("visibility").GetString().ShouldBe("community");
        string[] Ids(Reply r) => [.. r.ShouldHave(200).Json.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}")).ShouldNotContain(id);
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}&visibility=community")).ShouldBe([id]);
        Ids(await owner.Member.Get($"/v2/images?owner={owner.ProjectId}")).ShouldBe([id]);

        (await other.Member.Post("volumes", new { volume = new { size = 1, imageRef = id } })).ShouldHave(202);
        // By name, only what a default list shows, as Cinder looks names up through such a list.
        (await other.Member.Post("volumes", new { volume = new { size = 1, imageRef = image.Name } })).ShouldBeFault(400, "badRequest");
        // Only its owner changes it.
        (await other.Member.Send(HttpMethod.Patch, $"/v2/images/{id}", new object[] { new { op = "replace", path = "/name", value = "mine" } },
            contentType: Patch)).ShouldBeFault(403, "forbidden");
        (await other.Member.Delete($"/v2/images/{id}")).ShouldBeFault(403, "forbidden");
    }

    [Fact]
    public async Task A_member_creates_a_community_image()
    {
        var t = NewTenant();
        (await t.Member.Post("/v2/images", new { name = "c", disk_format = "raw", visibility = "community" })).ShouldHave(201)
            .Json.GetProperty("visibility").GetString().ShouldBe("community");
        (await t.Member.Post("/v2/images", new { name = "c", disk_format = "raw", visibility = "everyone" })).ShouldBeFault(400, "badRequest");
    }
}
