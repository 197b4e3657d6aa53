using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Images;
using BlockStore.Core.Quotas;

namespace BlockStore.Api.Tests.Images;

/// <summary>The image registry's records: Glance v2 shapes, validation, visibility and tenancy. Uploads are tested with the worker.</summary>
public sealed class ImageRegistryTests : ApiTest
{
    [Fact]
    public async Task Creating_an_image_answers_201_queued_in_glance_shape_with_extra_properties_at_the_top()
    {
        var t = NewTenant();
        var reply = (await t.Member.Post("/v2/images", new
        {
            name = "cirros", disk_format = "qcow2", container_format = "bare", visibility = "private", min_disk = 2, @protected = false, os_distro = "cirros",
        })).ShouldHave(201);
        var image = reply.Json;
        image.GetProperty("status").GetString().ShouldBe("queued");
        image.GetProperty("name").GetString().ShouldBe("cirros");
        image.GetProperty("disk_format").GetString().ShouldBe("qcow2");
        image.GetProperty("visibility").GetString().ShouldBe("private");
        image.GetProperty("min_disk").GetInt32().ShouldBe(2);
        image.GetProperty("owner").GetString().ShouldBe(t.ProjectId);
        image.GetProperty("os_distro").GetString().ShouldBe("cirros");
        image.GetProperty("size").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        image.GetProperty("self").GetString().ShouldBe($"/v2/images/{image.GetProperty("id").GetString()}");
        image.Keys().ShouldBe(
            ["os_distro", "id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo", "os_hash_value", "owner",
             "size", "virtual_size", "min_ram", "min_disk", "disk_format", "container_format", "created_at", "updated_at", "tags", "self", "file", "schema"]);
    }

    [Theory]
    [InlineData("""{"name":"x","disk_format":"vmdk","container_format":"bare"}""", 400, "disk_format")]
    [InlineData("""{"name":"x","disk_format":"raw","container_format":"ovf"}""", 400, "container_format")]
    [InlineData("""{"name":"x","container_format":"bare"}""", 400, "disk_format")]
    [InlineData("""{"name":"x","disk_format":"raw","visibility":"everyone"}""", 400, "visibility")]
    [InlineData("""{"name":"x","disk_format":"raw","min_disk":-1}""", 400, "min_disk")]
    [InlineData("""{"name":"x","disk_format":"raw","os_distro":5}""", 400, "os_distro")]
    [InlineData("""{"name":"x","disk_format":"raw","status":"active"}""", 403, "read-only")]
    [InlineData("""{"name":"x","disk_format":"raw","visibility":"public"}""", 403, "publicize_image")]
    [InlineData("""[1,2]""", 400, "JSON object")]
    public async Task Bad_image_bodies_are_refused_with_a_reason(string body, int status, string mentions)
    {
        var t = NewTenant();
        var message = (await t.Member.Post("/v2/images", body)).ShouldBeFault(status, status == 403 ? "forbidden" : "badRequest");
        message.ShouldContain(mentions);
    }

    [Fact]
    public async Task Private_images_are_seen_by_their_owner_only_and_public_ones_by_everyone()
    {
        var a = NewTenant();
        var b = NewTenant();
        var mine = await CreateAsync(a.Member, "private");
        var shared = await CreateAsync(a.Member, "shared");
        var everyone = await CreateAsync(a.Admin, "public");

        (await b.Member.Get($"/v2/images/{mine}")).ShouldBeFault(404, "itemNotFound");
        (await b.Member.Get($"/v2/images/{shared}")).ShouldBeFault(404, "itemNotFound");
        (await b.Member.Get($"/v2/images/{everyone}")).ShouldHave(200);
        var seenByB = Ids((await b.Member.Get("/v2/images?limit=1000")).ShouldHave(200));
        seenByB.ShouldContain(everyone);
        seenByB.ShouldNotContain(mine);
        seenByB.ShouldNotContain(shared);
        Ids((await a.Member.Get("/v2/images?limit=1000")).ShouldHave(200)).ShouldContain(mine);

        (await b.Member.Delete($"/v2/images/{everyone}")).ShouldBeFault(403, "forbidden");
        (await b.Member.Delete($"/v2/images/{mine}")).ShouldBeFault(404, "itemNotFound");
        (await b.Reader.Post("/v2/images", new { name = "r", disk_format = "raw" })).ShouldBeFault(403, "forbidden");
        (await b.Member.Put($"/v2/images/{mine}/file", "x")).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task Image_lists_page_with_a_next_link_and_a_marker()
    {
        var t = NewTenant();
        var created = new List<string>();
        for (var i = 0; i < 3; i++) created.Add(await CreateAsync(t.Member, "private"));
        var first = (await t.Member.Get("/v2/images?limit=2&owner=" + t.ProjectId)).ShouldHave(200).Json;
        first.GetProperty("images").GetArrayLength().ShouldBe(2);
        var next = first.GetProperty("next").GetString()!;
        next.ShouldContain("marker=");
        var second = (await t.Member.Get(next)).ShouldHave(200).Json;
        var all = first.GetProperty("images").EnumerateArray().Concat(second.GetProperty("images").EnumerateArray())
            .Select(i => i.GetProperty("id").GetString()!).ToList();
        all.ShouldBe(Enumerable.Reverse(created), "newest first, each once");
    }

    [Fact]
    public async Task Deleting_answers_204_a_protected_image_is_refused_and_quota_is_given_back()
    {
        var t = NewTenant();
        var kept = (await t.Member.Post("/v2/images", new { name = "keep", disk_format = "raw", @protected = true })).ShouldHave(201)
            .Json.GetProperty("id").GetString();
        (await t.Member.Delete($"/v2/images/{kept}")).ShouldBeFault(403, "forbidden").ShouldContain("protected");
        var gone = await CreateAsync(t.Member, "private");
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Images)).ShouldBe(2);
        (await t.Member.Delete($"/v2/images/{gone}")).ShouldHave(204);
        (await t.Member.Get($"/v2/images/{gone}")).ShouldBeFault(404, "itemNotFound");
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Images)).ShouldBe(1);
    }

    [Fact]
    public async Task The_images_per_project_quota_refuses_one_more_with_413()
    {
        var t = NewTenant();
        await using (var db = Host.NewDb())
        {
            db.QuotaLimits.Add(new QuotaLimit { ProjectId = t.ProjectId, Resource = QuotaResources.Images, HardLimit = 1 });
            await db.SaveChangesAsync();
        }
        await CreateAsync(t.Member, "private");
        (await t.Member.Post("/v2/images", new { name = "two", disk_format = "raw" })).ShouldBeFault(413, "overLimit").ShouldContain("images");
    }

    [Fact]
    public async Task A_volume_from_an_image_gets_its_metadata_and_cinders_refusals_apply()
    {
        var a = NewTenant();
        var b = NewTenant();
        var image = await Host.ActiveImageAsync(a.ProjectId, virtualSize: (1L << 30) + 1, minDisk: 3);
        var queued = await CreateAsync(a.Member, "private");

        var reply = (await a.Member.Post("volumes", new { volume = new { imageRef = image.Id.ToString() } })).ShouldHave(202);
        var volume = reply.Json.GetProperty("volume");
        volume.GetProperty("size").GetInt32().ShouldBe(3, "the size defaults to what the image needs");
        volume.GetProperty("volume_image_metadata").GetProperty("image_id").GetString().ShouldBe(image.Id.ToString());
        volume.GetProperty("volume_image_metadata").GetProperty("disk_format").GetString().ShouldBe("raw");

        (await a.Member.Post("volumes", new { volume = new { size = 1, imageRef = image.Id.ToString() } }))
            .ShouldBeFault(400, "badRequest").ShouldContain("Size of specified image 2GB is larger than volume size 1GB");
        (await a.Member.Post("volumes", new { volume = new { size = 2, imageRef = image.Id.ToString() } }))
            .ShouldBeFault(400, "badRequest").ShouldContain("minDisk size 3GB");
        (await a.Member.Post("volumes", new { volume = new { size = 1, imageRef = queued } }))
            .ShouldBeFault(400, "badRequest").ShouldContain("is not active");
        (await a.Member.Post("volumes", new { volume = new { size = 1, imageRef = Guid.NewGuid().ToString() } })).ShouldBeFault(404, "itemNotFound");
        (await a.Member.Post("volumes", new { volume = new { size = 1, imageRef = "no-such-name" } })).ShouldBeFault(400, "badRequest");
        (await b.Member.Post("volumes", new { volume = new { size = 5, imageRef = image.Id.ToString() } })).ShouldBeFault(404, "itemNotFound");
        (await a.Member.Post("volumes", new { volume = new { size = 5, image_id = image.Name } })).ShouldHave(202);
    }

    [Fact]
    public async Task Uploading_a_volume_to_an_image_moves_it_to_uploading_and_answers_cinders_body()
    {
        var t = NewTenant();
        var volume = await t.CreateAvailableVolumeAsync(size: 2, name: "src");
        var reply = (await t.Member.Post($"volumes/{volume}/action", Flows.Action("os-volume_upload_image",
            new { image_name = "from-volume", force = false, disk_format = "raw", container_format = "bare" }))).ShouldHave(202);
        var body = reply.Json.GetProperty("os-volume_upload_image");
        body.Keys().ShouldBe(["id", "updated_at", "status", "display_description", "size", "volume_type", "image_id", "container_format", "disk_format", "image_name"]);
        body.GetProperty("status").GetString().ShouldBe("uploading");
        (await t.Member.StatusOfAsync("volume", volume)).ShouldBe("uploading");
        var image = (await t.Member.Get($"/v2/images/{body.GetProperty("image_id").GetString()}")).ShouldHave(200).Json;
        image.GetProperty("status").GetString().ShouldBe("saving");
        image.GetProperty("min_disk").GetInt32().ShouldBe(2);

        (await t.Member.Post($"volumes/{volume}/action", Flows.Action("os-volume_upload_image", new { image_name = "again" })))
            .ShouldBeFault(400, "badRequest").ShouldContain("uploading");
        var other = await t.CreateAvailableVolumeAsync();
        (await t.Member.Post($"volumes/{other}/action", Flows.Action("os-volume_upload_image", new { image_name = "q", disk_format = "qcow2" })))
            .ShouldBeFault(400, "badRequest").ShouldContain("raw");
        (await t.Member.Delete($"/v2/images/{body.GetProperty("image_id").GetString()}")).ShouldBeFault(409, "conflictingRequest");
    }

    private static async Task<string> CreateAsync(ApiClient client, string visibility) =>
        (await client.Post("/v2/images", new { name = $"i-{Guid.NewGuid():N}"[..10], disk_format = "raw", visibility })).ShouldHave(201)
            .Json.GetProperty("id").GetString()!;

    private static List<string> Ids(Reply reply) =>
        reply.Json.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
}
