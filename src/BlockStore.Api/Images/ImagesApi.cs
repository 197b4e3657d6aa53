using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;
using BlockStore.Core.Quotas;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Images;

/// <summary>
/// A small image registry in Glance v2's shape: <c>/v2/images</c>. Failures use the same fault body as
/// the rest of the API. An image's data is uploaded with <c>PUT /v2/images/{id}/file</c> (see <see cref="ImageUploads"/>).
/// </summary>
public static class ImagesApi
{
    public static void MapImagesApi(this RouteGroupBuilder v2)
    {
        v2.MapImageSchemas();
        var images = v2.MapGroup("/images").WithTags("Images");
        images.MapPost("", Create);
        images.MapGet("", List).Admitted(Admission.Lists);
        images.MapGet("/{id}", Show);
        images.MapPatch("/{id}", Update);
        images.MapDelete("/{id}", Delete);
        images.MapPut("/{id}/tags/{tag}", (string id, string tag, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct) =>
            TagAsync(id, tag, add: true, req, db, clock, ct));
        images.MapDelete("/{id}/tags/{tag}", (string id, string tag, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct) =>
            TagAsync(id, tag, add: false, req, db, clock, ct));
        images.MapPut("/{id}/file", (string id, HttpRequest http, ApiRequest req, ImageUploads uploads, CancellationToken ct) =>
            uploads.UploadAsync(id, http, req, ct));
        images.MapGet("/{id}/file", ImageDownloads.DownloadAsync);
        images.MapImageMembersApi();
    }

    public static async Task<IResult> Create(JsonElement body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("add_image");
        var r = CreateImageRequest.Parse(body);
        if (r.Visibility == ImageVisibility.Public) req.Caller.RequireAdmin("publicize_image");
        var image = Image.Create(req.ProjectId, r.Name, r.DiskFormat, r.ContainerFormat, r.Visibility, r.Protected, r.MinDisk, r.MinRam,
            r.Properties, clock.GetUtcNow().UtcDateTime, r.Tags);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await quotas.ChargeImageAsync(req.ProjectId, ct);
        db.Images.Add(image);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ImageView.One(image, 201);
    }

    public static async Task<IResult> Show(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        ImageView.One(await FindAsync(db, req, id, ct));

    /// <summary>
    /// 200 with the image; its owner or an admin changes it (403 otherwise, and to make it public unless an admin), with
    /// Glance's JSON patch and its media type (415 for another).
    /// </summary>
    public static async Task<IResult> Update(string id, HttpRequest http, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("modify_image");
        if (!ImagePatch.MediaTypes.Contains(http.ContentType?.Split(';')[0].Trim(), StringComparer.OrdinalIgnoreCase))
            return CinderFault.Result(415, $"Unsupported Content-Type: use {ImagePatch.MediaTypes[0]}.");
        var image = await FindAsync(db, req, id, ct);
        RequireOwner(image, req, "modify this image");
        JsonElement body;
        try
        {
            body = (await JsonDocument.ParseAsync(http.Body, cancellationToken: ct)).RootElement;
        }
        catch (JsonException)
        {
            throw new InvalidRequestException("Malformed request body");
        }
        var patch = ImagePatch.Parse(image, body);
        if (patch.Publicizes) req.Caller.RequireAdmin("publicize_image");
        patch.ApplyTo(image, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return ImageView.One(image);
    }

    /// <summary>Glance's <c>PUT</c> and <c>DELETE …/tags/{tag}</c>: 204; the owner or an admin; a tag the image lacks cannot be deleted (404).</summary>
    private static async Task<IResult> TagAsync(string id, string tag, bool add, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("modify_image");
        var image = await FindAsync(db, req, id, ct);
        RequireOwner(image, req, "modify this image");
        var now = clock.GetUtcNow().UtcDateTime;
        if (add) image.AddTag(tag, now);
        else if (!image.RemoveTag(tag, now)) throw new ResourceNotFoundException($"Tag {tag} not found on image {image.Id}.");
        await db.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var list = new ListQuery(http.Query, "blockstore.images", Sortable);
        var visibility = http.Query["visibility"].ToString();
        if (!req.Caller.IsAdmin)
        {
            // Others' community images are listed only to whoever asks for them, and images shared with the caller only
            // once it has accepted them (member_status picks another answer, or all), as in Glance.
            var memberStatus = http.Query["member_status"].ToString() is { Length: > 0 } s ? s : "accepted";
            if (memberStatus != "all" && ImageMemberStatusNames.TryParse(memberStatus) is null)
                throw new InvalidRequestException($"Invalid status: {memberStatus}");
            var community = visibility is "community" or "all" ? " OR v.visibility = 'community'" : "";
            list.Scope($"(v.project_id = @project OR v.visibility = 'public'{community} OR {ImageMember.SharedWithSql("v")})",
                ("project", req.ProjectId), ("member_status", memberStatus));
        }
        ListFilters.Equal(list, http.Query, "name", "v.name");
        ListFilters.Equal(list, http.Query, "status", "v.status");
        // Glance's visibility=all lists every image the caller may see.
        if (visibility != "all") ListFilters.Equal(list, http.Query, "visibility", "v.visibility");
        ListFilters.Equal(list, http.Query, "owner", "v.project_id");
        // Glance's tag filter: each tag given must be on the image.
        var tags = http.Query["tag"];
        for (var i = 0; i < tags.Count; i++) list.Where($"@tag_{i} = ANY(v.tags)", ($"tag_{i}", tags[i]!));
        return ImageView.List(await list.RunAsync<Image>(db, withCount: false, ct), http);
    }

    /// <summary>
    /// Removes the record at once and queues the removal of the data. A protected image is refused (403);
    /// one being saved too (409), since its upload still writes the data. Data that volumes still clone
    /// from is hidden and removed once they are gone or flattened.
    /// </summary>
    public static async Task<IResult> Delete(string id, ApiRequest req, BlockStoreDbContext db, QuotaService quotas, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("delete_image");
        var image = await FindAsync(db, req, id, ct);
        RequireOwner(image, req, "delete this image");
        image.RequireDeletable();
        if (image.Status == ImageStatus.Saving)
            throw new ConflictException($"Image {image.Id} is being saved; delete it once its upload has ended.");
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await quotas.ReleaseImageAsync(image.ProjectId, ct);
        db.Images.Remove(image);
        db.Enqueue(new DeleteImage(image.Id), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Results.NoContent();
    }

    /// <summary>Only the image's owner or an admin changes it (403 for anyone else who can see it), as in Glance.</summary>
    public static void RequireOwner(Image image, ApiRequest req, string what)
    {
        if (image.ProjectId != req.ProjectId && !req.Caller.IsAdmin) throw new ForbiddenException($"You are not permitted to {what}.");
    }

    /// <summary>
    /// An image the caller may see: its own, a public or community one, a shared one it is a member of (whatever its
    /// answer), or any for an admin. Others do not exist (404).
    /// </summary>
    public static async Task<Image> FindAsync(BlockStoreDbContext db, ApiRequest req, string id, CancellationToken ct)
    {
        var image = Guid.TryParse(id, out var guid) ? await db.Images.FirstOrDefaultAsync(i => i.Id == guid, ct) : null;
        if (image is not null && (image.IsVisibleTo(req.ProjectId, req.Caller.IsAdmin) || image.Visibility == ImageVisibility.Shared
                && await db.ImageMembers.AnyAsync(m => m.ImageId == image.Id && m.MemberId == req.ProjectId, ct)))
            return image;
        throw new ResourceNotFoundException($"Image {id} could not be found.");
    }

    private static readonly Dictionary<string, string> Sortable = new()
    {
        ["created_at"] = "v.created_at",
        ["updated_at"] = "v.updated_at",
        ["id"] = "v.id",
        ["name"] = "COALESCE(v.name, '')",
        ["size"] = "COALESCE(v.size, 0)",
        ["status"] = "v.status",
    };
}
