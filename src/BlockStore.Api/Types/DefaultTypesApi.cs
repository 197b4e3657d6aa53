using BlockStore.Api.Infrastructure;
using BlockStore.Api.Volumes;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Types;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Types;

/// <summary>
/// <c>…/default-types</c> (3.62, admins only): a project's own default volume type, the one its volumes get when a
/// create names none, and what <c>…/types/default</c> shows its members. Cinder looks the project up in Keystone; here,
/// as everywhere in BlockStore, any project id names a project.
/// </summary>
public static class DefaultTypesApi
{
    /// <summary>Cinder's words for these routes, which check the caller themselves instead of through a policy message.</summary>
    private const string NotAuthorized = "You are not authorized to perform this operation.";

    /// <summary>The longest project id a row can hold; a longer one names no project.</summary>
    private const int ProjectIdMaxLength = 255;

    public static void MapDefaultTypesApi(this RouteGroupBuilder v3)
    {
        var defaults = v3.MapGroup("/default-types").WithTags("Types").RequireVersion(62);
        defaults.MapPut("/{projectId}", Set);
        defaults.MapGet("", List);
        defaults.MapGet("/{projectId}", Show);
        defaults.MapDelete("/{projectId}", Unset);
    }

    /// <summary>200 with the setting; the type is named by id or by name, and an unknown one is a bad request.</summary>
    public static async Task<IResult> Set(string projectId, DefaultTypeBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        RequireAdmin(req, projectId);
        var named = body.DefaultType!.VolumeType!;
        VolumeType type;
        try
        {
            type = await VolumeLookup.FindTypeAsync(db, named, req, ct);
        }
        catch (ResourceNotFoundException e)
        {
            throw new InvalidRequestException(e.Message);
        }
        try
        {
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO blockstore.project_default_types (project_id, volume_type_id, created_at)
                VALUES ({projectId}, {type.Id}, {clock.GetUtcNow().UtcDateTime})
                ON CONFLICT (project_id) DO UPDATE SET volume_type_id = excluded.volume_type_id, updated_at = excluded.created_at
                """, ct);
        }
        catch (Exception e) when (DbErrors.IsForeignKeyViolation(e))
        {
            // The type was deleted between the lookup and the insert.
            throw new InvalidRequestException(ResourceNotFoundException.VolumeTypeByName(named).Message);
        }
        return One(projectId, type.Id);
    }

    public static async Task<IResult> Show(string projectId, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        RequireAdmin(req, projectId);
        var setting = await db.ProjectDefaultTypes.AsNoTracking().FirstOrDefaultAsync(d => d.ProjectId == projectId, ct)
                      ?? throw new ResourceNotFoundException($"Default type for project {projectId} not found.");
        return One(setting.ProjectId, setting.VolumeTypeId);
    }

    public static async Task<IResult> List(ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        RequireAdmin(req);
        var settings = await db.ProjectDefaultTypes.AsNoTracking().OrderBy(d => d.ProjectId).ToListAsync(ct);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("default_types");
            foreach (var d in settings) Write(w, d.ProjectId, d.VolumeTypeId);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>204, whether or not the project had a default.</summary>
    public static async Task<IResult> Unset(string projectId, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        RequireAdmin(req, projectId);
        await db.ProjectDefaultTypes.Where(d => d.ProjectId == projectId).ExecuteDeleteAsync(ct);
        return Results.NoContent();
    }

    /// <summary>The message a type delete answers while the type is some project's default, as Cinder's.</summary>
    public static InvalidRequestException InUseAsDefault(Guid typeId) =>
        new($"The volume type {typeId} is a default volume type and cannot be deleted.");

    private static void RequireAdmin(ApiRequest req)
    {
        if (!req.Caller.IsAdmin) throw new ForbiddenException(NotAuthorized);
    }

    private static void RequireAdmin(ApiRequest req, string projectId)
    {
        RequireAdmin(req);
        if (projectId.Length > ProjectIdMaxLength) throw new ResourceNotFoundException($"Project with id {projectId} not found.");
    }

    private static IResult One(string projectId, Guid typeId) => JsonBody.Ok(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("default_type");
        Write(w, projectId, typeId);
        w.WriteEndObject();
    });

    private static void Write(System.Text.Json.Utf8JsonWriter w, string projectId, Guid typeId)
    {
        w.WriteStartObject();
        w.WriteString("project_id", projectId);
        w.WriteString("volume_type_id", typeId);
        w.WriteEndObject();
    }
}

/// <summary>The body of <c>PUT …/default-types/{project_id}</c>: <c>{"default_type": {"volume_type": name or id}}</c>.</summary>
public sealed class DefaultTypeBody : OpenBody
{
    public DefaultTypeRequest? DefaultType { get; set; }
}

public sealed class DefaultTypeRequest : OpenBody
{
    public string? VolumeType { get; set; }
}

public sealed class DefaultTypeBodyValidator : AbstractValidator<DefaultTypeBody>
{
    public DefaultTypeBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.DefaultType).NotNull().WithMessage(Rules.Malformed).SetValidator(new DefaultTypeRequestValidator()!);
    }
}

public sealed class DefaultTypeRequestValidator : AbstractValidator<DefaultTypeRequest>
{
    public DefaultTypeRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.VolumeType).Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("Invalid input for field/attribute default_type. 'volume_type' is a required property")
            .Must(n => n is { Length: > 0 } && n.Trim() == n).WithMessage((_, n) => $"Invalid input for field/attribute volume_type. Value: {n}. '{n}' is not a 'name'")
            .IsName("volume_type");
    }
}
