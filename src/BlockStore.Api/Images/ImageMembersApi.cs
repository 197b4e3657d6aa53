using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Images;

/// <summary>
/// Glance v2's image members (<c>/v2/images/{id}/members</c>): the owner of a <c>shared</c> image offers it to other
/// projects and withdraws the offer; each member accepts or rejects it. A member finds and uses the image by id
/// whatever its answer; default lists show it to the member once accepted (<see cref="ImagesApi.List"/>).
/// </summary>
public static class ImageMembersApi
{
    public static void MapImageMembersApi(this RouteGroupBuilder images)
    {
        images.MapGet("/{id}/members", List);
        images.MapPost("/{id}/members", Create);
        images.MapGet("/{id}/members/{member}", Show);
        images.MapPut("/{id}/members/{member}", Update);
        images.MapDelete("/{id}/members/{member}", Delete);
    }

    /// <summary>The owner (or an admin) sees every member; a member sees its own membership only.</summary>
    public static async Task<IResult> List(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var image = await ImagesApi.FindAsync(db, req, id, ct);
        Require(image, $"Not allowed to list members for image {image.Id}");
        var members = await db.ImageMembers.AsNoTracking()
            .Where(m => m.ImageId == image.Id && (IsOwner(image, req) || m.MemberId == req.ProjectId))
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.MemberId).ToListAsync(ct);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("members");
            foreach (var member in members) Write(w, member);
            w.WriteEndArray();
            w.WriteString("schema", "/v2/schemas/members");
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// 200 with the new member, <c>pending</c>. Only the owner or an admin, of a <c>shared</c> image (403); a project
    /// already a member is 409; past <see cref="ImageMember.MaxPerImage"/> members, 413.
    /// </summary>
    public static async Task<IResult> Create(string id, JsonElement body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("add_member");
        var memberId = Field(body, "member", "Member to be added not specified", """Expected a member in the form: {"member": "<project id>"}""");
        var image = await ImagesApi.FindAsync(db, req, id, ct);
        var refused = $"Not allowed to create members for image {image.Id}";
        Require(image, refused);
        if (!IsOwner(image, req)) throw new ForbiddenException($"{refused}: You are not permitted to create image members for the image.");
        var member = ImageMember.Offer(image, memberId, clock.GetUtcNow().UtcDateTime);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The image's row is the lock under which members are counted, so that concurrent offers cannot pass the limit.
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM blockstore.images WHERE id = {image.Id} FOR UPDATE", ct);
        var members = await db.ImageMembers.Where(m => m.ImageId == image.Id).Select(m => m.MemberId).ToListAsync(ct);
        if (members.Contains(memberId)) throw new ConflictException($"Member {memberId} is duplicated for image {image.Id}");
        if (members.Count >= ImageMember.MaxPerImage)
            throw new QuotaExceededException(
                $"Image member limit exceeded for image {image.Id}: The image has {members.Count} members, and at most {ImageMember.MaxPerImage} are allowed.");
        db.ImageMembers.Add(member);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new JsonBody(200, w => Write(w, member));
    }

    public static async Task<IResult> Show(string id, string member, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var image = await ImagesApi.FindAsync(db, req, id, ct);
        // Glance answers 404 here where the other routes answer 403, so as not to tell who else the image is shared with.
        if (image.Visibility != ImageVisibility.Shared) throw new ResourceNotFoundException("Only shared images have members.");
        var row = await FindMember(image, member, req, db, ct);
        return new JsonBody(200, w => Write(w, row));
    }

    /// <summary>
    /// The member's answer: <c>{"status": "accepted" | "rejected" | "pending"}</c>. Only the member itself or an admin; the
    /// owner may not answer for it (403).
    /// </summary>
    public static async Task<IResult> Update(string id, string member, JsonElement body, ApiRequest req, BlockStoreDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("modify_member");
        var wire = Field(body, "status", "Status not specified", """Expected a status in the form: {"status": "status"}""");
        var status = ImageMemberStatusNames.TryParse(wire)
            ?? throw new InvalidRequestException("""Incorrect request: Status must be "pending", "accepted" or "rejected".""");
        var image = await ImagesApi.FindAsync(db, req, id, ct);
        var refused = $"Not allowed to update members for image {image.Id}";
        Require(image, refused);
        if (image.ProjectId == req.ProjectId && !req.Caller.IsAdmin)
            throw new ForbiddenException($"{refused}: You are not permitted to modify 'status' on this image member.");
        var row = await FindMember(image, member, req, db, ct);
        row.Answer(status, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return new JsonBody(200, w => Write(w, row));
    }

    /// <summary>204. Only the owner or an admin withdraws an offer; a member cannot leave by itself, as in Glance.</summary>
    public static async Task<IResult> Delete(string id, string member, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireWrite("delete_member");
        var image = await ImagesApi.FindAsync(db, req, id, ct);
        var refused = $"Not allowed to delete members for image {image.Id}";
        Require(image, refused);
        if (!IsOwner(image, req)) throw new ForbiddenException($"{refused}: You cannot delete image member.");
        db.ImageMembers.Remove(await FindMember(image, member, req, db, ct));
        await db.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    private static bool IsOwner(Image image, ApiRequest req) => image.ProjectId == req.ProjectId || req.Caller.IsAdmin;

    private static void Require(Image image, string refused)
    {
        if (image.Visibility != ImageVisibility.Shared) throw new ForbiddenException($"{refused}: Only shared images have members.");
    }

    /// <summary>A membership the caller may see: any for the owner or an admin, its own for a member; others are 404.</summary>
    private static async Task<ImageMember> FindMember(Image image, string member, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        (IsOwner(image, req) || member == req.ProjectId
            ? await db.ImageMembers.FirstOrDefaultAsync(m => m.ImageId == image.Id && m.MemberId == member, ct)
            : null)
        ?? throw new ResourceNotFoundException($"{member} not found in the member list of the image {image.Id}.");

    /// <summary>The one string member of a Glance member body (400 in Glance's words when it is missing or not a string).</summary>
    private static string Field(JsonElement body, string name, string missing, string shape)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new InvalidRequestException(shape);
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) throw new InvalidRequestException(missing);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new InvalidRequestException(shape);
    }

    private static void Write(Utf8JsonWriter w, ImageMember m)
    {
        w.WriteStartObject();
        w.WriteString("image_id", m.ImageId);
        w.WriteString("member_id", m.MemberId);
        w.WriteString("status", m.Status.ToWire());
        w.WriteString("created_at", ImageView.Timestamp(m.CreatedAt));
        w.WriteString("updated_at", ImageView.Timestamp(m.UpdatedAt));
        w.WriteString("schema", "/v2/schemas/member");
        w.WriteEndObject();
    }
}
