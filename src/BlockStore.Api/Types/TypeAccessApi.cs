using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Types;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Types;

/// <summary>
/// Sharing a private type with projects, as Cinder's type access extension does: an admin lists a private type's
/// projects (<c>GET …/types/{id}/os-volume-type-access</c>) and adds or removes one (<c>POST …/types/{id}/action</c>
/// with <c>addProjectAccess</c> or <c>removeProjectAccess</c>). Members of a project a type is shared with see and use it.
/// </summary>
public static class TypeAccessApi
{
    public static void MapTypeAccessApi(this RouteGroupBuilder types)
    {
        types.MapGet("/{id}/os-volume-type-access", List);
        types.MapPost("/{id}/action", Act);
    }

    /// <summary>Whether <paramref name="req"/>'s caller may see and use <paramref name="type"/>.</summary>
    public static async Task<bool> IsVisibleAsync(BlockStoreDbContext db, VolumeType type, ApiRequest req, CancellationToken ct) =>
        type.IsPublic || req.Caller.IsAdmin
        || await db.VolumeTypeAccess.AnyAsync(a => a.VolumeTypeId == type.Id && a.ProjectId == req.ProjectId, ct);

    public static async Task<IResult> List(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_type_access");
        var type = await TypesApi.FindAsync(db, req, id, ct);
        if (type.IsPublic) throw new ResourceNotFoundException("Access list not available for public volume types.");
        var projects = await db.VolumeTypeAccess.AsNoTracking().Where(a => a.VolumeTypeId == type.Id)
            .OrderBy(a => a.ProjectId).Select(a => a.ProjectId).ToListAsync(ct);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("volume_type_access");
            foreach (var project in projects)
            {
                w.WriteStartObject();
                w.WriteString("volume_type_id", type.Id);
                w.WriteString("project_id", project);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> Act(string id, TypeActionBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        if (body.Unknown is { Count: > 0 } unknown) throw new InvalidRequestException($"There is no such action: {unknown.Keys.First()}");
        var (name, access) = body switch
        {
            { Add: { } a, Remove: null } => ("addProjectAccess", a),
            { Remove: { } r, Add: null } => ("removeProjectAccess", r),
            _ => throw new InvalidRequestException("Invalid request body: exactly one action is required."),
        };
        req.Caller.RequireAdmin($"volume_extension:volume_type_access:{name}");
        if (string.IsNullOrWhiteSpace(access.Project)) throw new InvalidRequestException("Missing required element 'project' in request body.");
        var type = await TypesApi.FindAsync(db, req, id, ct);
        if (type.IsPublic) throw new InvalidRequestException("Invalid volume type: Type access modification is not applicable to public volume type.");

        var combination = $"{type.Id} / {access.Project}";
        if (body.Add is not null)
        {
            // One statement, so that two admins adding the same project cannot both succeed.
            var added = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO blockstore.volume_type_access (volume_type_id, project_id, created_at)
                VALUES ({type.Id}, {access.Project}, {clock.GetUtcNow().UtcDateTime}) ON CONFLICT DO NOTHING
                """, ct);
            if (added == 0) throw new ConflictException($"Volume type access for {combination} combination already exists.");
        }
        else if (await db.VolumeTypeAccess.Where(a => a.VolumeTypeId == type.Id && a.ProjectId == access.Project).ExecuteDeleteAsync(ct) == 0)
        {
            throw new ResourceNotFoundException($"Volume type access not found for {combination} combination.");
        }

        return Results.StatusCode(202);
    }
}

/// <summary>The body of <c>POST …/types/{id}/action</c>: exactly one of these members.</summary>
public sealed class TypeActionBody : OpenBody
{
    [JsonPropertyName("addProjectAccess")] public ProjectAccess? Add { get; set; }
    [JsonPropertyName("removeProjectAccess")] public ProjectAccess? Remove { get; set; }
}

/// <summary><c>{"project": "&lt;project id&gt;"}</c>.</summary>
public sealed class ProjectAccess
{
    public string? Project { get; set; }
}
