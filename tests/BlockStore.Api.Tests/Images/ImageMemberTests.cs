using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Images;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Images;

/// <summary>
/// Glance's image members: the owner of a shared image offers it to another project, which finds and uses it by id at
/// once, and sees it in its default lists once it accepts.
/// </summary>
public sealed class ImageMemberTests : ApiTest
{
    private const string Patch = "application/openstack-images-v2.1-json-patch";

    private static string[] Ids(Reply r) =>
        [.. r.ShouldHave(200).Json.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];

    private async Task<(Tenant Owner, Tenant Other, Image Image, string Id)> SharedImageAsync()
    {
        var owner = NewTenant();
        var image = await Host.ActiveImageAsync(owner.ProjectId, 1L << 30, visibility: ImageVisibility.Shared);
        return (owner, NewTenant(), image, image.Id.ToString());
    }

    [Fact]
    public async Task A_member_uses_the_image_by_id_at_once_and_lists_it_once_it_accepts()
    {
        var (owner, other, image, id) = await SharedImageAsync();
        (await other.Member.Get($"/v2/images/{id}")).ShouldBeFault(404, "itemNotFound");
        (await other.Member.Post("volumes", new { volume = new { size = 1, imageRef = id } })).ShouldBeFault(404, "itemNotFound");

        var offered = (await owner.Member.Post($"/v2/images/{id}/members", new { member = other.ProjectId })).ShouldHave(200).Json;
        offered.GetProperty("image_id").GetString().ShouldBe(id);
        offered.GetProperty("member_id").GetString().ShouldBe(other.ProjectId);
        offered.GetProperty("status").GetString().ShouldBe("pending");
        offered.GetProperty("schema").GetString().ShouldBe("/v2/schemas/member");
        offered.GetProperty("created_at").GetString()!.ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$");

        // Pending: found and usable by id, listed only when asked for.
        (await other.Member.Get($"/v2/images/{id}")).ShouldHave(200);
        (await other.Member.Post("volumes", new { volume = new { size = 1, imageRef = id } })).ShouldHave(202);
        (await other.Member.Post("volumes", new { volume = new { size = 1, imageRef = image.Name } })).ShouldBeFault(400, "badRequest");
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}")).ShouldBeEmpty();
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}&member_status=pending")).ShouldBe([id]);
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}&member_status=all")).ShouldBe([id]);
        (await other.Member.Get("/v2/images?member_status=maybe")).ShouldBeFault(400, "badRequest").ShouldBe("Invalid status: maybe");

        var accepted = (await other.Member.Put($"/v2/images/{id}/members/{other.ProjectId}", new { status = "accepted" })).ShouldHave(200).Json;
        accepted.GetProperty("status").GetString().ShouldBe("accepted");
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}")).ShouldBe([id]);
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}&visibility=shared")).ShouldBe([id]);
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}&member_status=pending")).ShouldBeEmpty();
        (await other.Member.Post("volumes", new { volume = new { size = 1, imageRef = image.Name } })).ShouldHave(202);

        // Rejected: out of the default list again, still usable by id.
        (await other.Member.Put($"/v2/images/{id}/members/{other.ProjectId}", new { status = "rejected" })).ShouldHave(200);
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}")).ShouldBeEmpty();
        Ids(await other.Member.Get($"/v2/images?owner={owner.ProjectId}&member_status=rejected")).ShouldBe([id]);
        (await other.Member.Get($"/v2/images/{id}")).ShouldHave(200);

        // A third project sees nothing of it.
        var third = NewTenant();
        (await third.Member.Get($"/v2/images/{id}")).ShouldBeFault(404, "itemNotFound");
        (await third.Member.Get($"/v2/images/{id}/members")).ShouldBeFault(404, "itemNotFound");
        Ids(await third.Member.Get($"/v2/images?owner={owner.ProjectId}&member_status=all")).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_owner_sees_every_member_and_a_member_only_itself()
    {
        var (owner, other, _, id) = await SharedImageAsync();
        var second = NewTenant();
        (await owner.Member.Post($"/v2/images/{id}/members", new { member = other.ProjectId })).ShouldHave(200);
        (await owner.Member.Post($"/v2/images/{id}/members", new { member = second.ProjectId })).ShouldHave(200);

        string[] Members(Reply r)
        {
            r.ShouldHave(200).Json.GetProperty("schema").GetString().ShouldBe("/v2/schemas/members");
            return [.. r.Json.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("member_id").GetString()!).Order()];
        }
        Members(await owner.Member.Get($"/v2/images/{id}/members")).ShouldBe(new[] { other.ProjectId, second.ProjectId }.Order().ToArray());
        Members(await owner.Reader.Get($"/v2/images/{id}/members")).Length.ShouldBe(2);
        Members(await other.Member.Get($"/v2/images/{id}/members")).ShouldBe([other.ProjectId]);
        (await other.Member.Get($"/v2/images/{id}/members/{other.ProjectId}")).ShouldHave(200).Json.GetProperty("status").GetString().ShouldBe("pending");
        (await other.Member.Get($"/v2/images/{id}/members/{second.ProjectId}")).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"{second.ProjectId} not found in the member list of the image {id}.");
        (await owner.Member.Get($"/v2/images/{id}/members/{second.ProjectId}")).ShouldHave(200);
    }

    [Fact]
    public async Task Offers_are_the_owners_and_answers_the_members()
    {
        var (owner, other, _, id) = await SharedImageAsync();
        var members = $"/v2/images/{id}/members";
        (await owner.Member.Post(members, new { })).ShouldBeFault(400, "badRequest").ShouldBe("Member to be added not specified");
        (await owner.Member.Post(members, new { member = "" })).ShouldBeFault(400, "badRequest").ShouldBe("Member can't be empty");
        (await owner.Member.Post(members, new { member = 7 })).ShouldBeFault(400, "badRequest");
        (await owner.Member.Post(members, "[1]")).ShouldBeFault(400, "badRequest");
        (await owner.Reader.Post(members, new { member = other.ProjectId })).ShouldBeFault(403, "forbidden");
        (await owner.Member.Post(members, new { member = other.ProjectId })).ShouldHave(200);
        (await owner.Member.Post(members, new { member = other.ProjectId })).ShouldBeFault(409, "conflictingRequest")
            .ShouldBe($"Member {other.ProjectId} is duplicated for image {id}");
        // A member cannot offer the image on, nor withdraw the offer.
        (await other.Member.Post(members, new { member = NewTenant().ProjectId })).ShouldBeFault(403, "forbidden");
        (await other.Member.Delete($"{members}/{other.ProjectId}")).ShouldBeFault(403, "forbidden");

        // The owner cannot answer for the member; the member answers only with Glance's statuses.
        (await owner.Member.Put($"{members}/{other.ProjectId}", new { status = "accepted" })).ShouldBeFault(403, "forbidden")
            .ShouldEndWith("You are not permitted to modify 'status' on this image member.");
        (await other.Member.Put($"{members}/{other.ProjectId}", new { status = "yes" })).ShouldBeFault(400, "badRequest")
            .ShouldBe("""Incorrect request: Status must be "pending", "accepted" or "rejected".""");
        (await other.Member.Put($"{members}/{other.ProjectId}", new { })).ShouldBeFault(400, "badRequest").ShouldBe("Status not specified");
        (await other.Reader.Put($"{members}/{other.ProjectId}", new { status = "accepted" })).ShouldBeFault(403, "forbidden");
        (await other.Member.Put($"{members}/{owner.ProjectId}", new { status = "accepted" })).ShouldBeFault(404, "itemNotFound");
        (await other.Admin.Put($"{members}/{other.ProjectId}", new { status = "accepted" })).ShouldHave(200);

        // Withdrawn: the image is gone for the member, and the offer cannot be withdrawn twice.
        (await owner.Member.Delete($"{members}/{other.ProjectId}")).ShouldHave(204);
        (await other.Member.Get($"/v2/images/{id}")).ShouldBeFault(404, "itemNotFound");
        (await owner.Member.Delete($"{members}/{other.ProjectId}")).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task Only_shared_images_have_members_and_a_private_one_hides_them_until_shared_again()
    {
        var owner = NewTenant();
        var other = NewTenant();
        var image = await Host.ActiveImageAsync(owner.ProjectId, 1L << 30);
        var id = image.Id.ToString();
        (await owner.Member.Post($"/v2/images/{id}/members", new { member = other.ProjectId })).ShouldBeFault(403, "forbidden")
            .ShouldBe($"Not allowed to create members for image {id}: Only shared images have members.");
        (await owner.Member.Get($"/v2/images/{id}/members")).ShouldBeFault(403, "forbidden");
        (await owner.Member.Get($"/v2/images/{id}/members/{other.ProjectId}")).ShouldBeFault(404, "itemNotFound")
            .ShouldBe("Only shared images have members.");

        async Task VisibilityAsync(string value) =>
            (await owner.Member.Send(HttpMethod.Patch, $"/v2/images/{id}", new object[] { new { op = "replace", path = "/visibility", value } },
                contentType: Patch)).ShouldHave(200);
        await VisibilityAsync("shared");
        (await owner.Member.Post($"/v2/images/{id}/members", new { member = other.ProjectId })).ShouldHave(200);
        (await other.Member.Get($"/v2/images/{id}")).ShouldHave(200);
        // Made private, the members stay but see nothing; shared again, they see it again, as in Glance.
        await VisibilityAsync("private");
        (await other.Member.Get($"/v2/images/{id}")).ShouldBeFault(404, "itemNotFound");
        await VisibilityAsync("shared");
        (await other.Member.Get($"/v2/images/{id}")).ShouldHave(200);

        // Deleting the image takes its members with it.
        (await owner.Member.Delete($"/v2/images/{id}")).ShouldHave(204);
        await using var db = Host.NewDb();
        (await db.ImageMembers.CountAsync(m => m.ImageId == image.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task Concurrent_offers_never_pass_the_member_limit()
    {
        var (owner, _, _, id) = await SharedImageAsync();
        var extra = 12;
        var replies = await Task.WhenAll(Enumerable.Range(0, ImageMember.MaxPerImage + extra)
            .Select(i => owner.Member.Post($"/v2/images/{id}/members", new { member = $"project-{i}" })));
        replies.Count(r => r.Status == 200).ShouldBe(ImageMember.MaxPerImage);
        replies.Where(r => r.Status != 200).ShouldAllBe(r => r.Status == 413);
        replies.First(r => r.Status == 413).ShouldBeFault(413, "overLimit").ShouldStartWith($"Image member limit exceeded for image {id}");
        await using var db = Host.NewDb();
        (await db.ImageMembers.CountAsync(m => m.ImageId == Guid.Parse(id))).ShouldBe(ImageMember.MaxPerImage);
    }
}
