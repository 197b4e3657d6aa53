using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Types;

/// <summary>
/// <c>…/types/{id}/extra_specs[/{key}]</c>. Readers see the user-visible specs; admins see and change all,
/// but not while a volume has the type (Cinder's "Volume Type is currently in use.").
/// </summary>
public static class TypeExtraSpecsApi
{
    public static void MapTypeExtraSpecsApi(this RouteGroupBuilder types)
    {
        types.MapGet("/{id}/extra_specs", Index);
        types.MapPost("/{id}/extra_specs", Create);
        types.MapGet("/{id}/extra_specs/{key}", Show);
        types.MapPut("/{id}/extra_specs/{key}", Update);
        types.MapDelete("/{id}/extra_specs/{key}", Delete);
    }

    public static async Task<IResult> Index(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var type = await TypesApi.FindAsync(db, req, id, ct);
        return Body("extra_specs", TypeView.VisibleSpecs(type, req.Caller));
    }

    public static async Task<IResult> Show(string id, string key, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var type = await TypesApi.FindAsync(db, req, id, ct);
        return TypeView.VisibleSpecs(type, req.Caller).TryGetValue(key, out var value)
            ? Body(null, new Dictionary<string, string> { [key] = value })
            : throw NoKey(id, key);
    }

    /// <summary>POST merges the given specs in and answers with them.</summary>
    public static async Task<IResult> Create(string id, ExtraSpecsBody body, ApiRequest req, BlockStoreDbContext db,
        IOptions<BackendCatalog> catalog, TimeProvider clock, CancellationToken ct)
    {
        var type = await ChangeableAsync(db, req, id, "volume_extension:types_extra_specs:create", ct);
        TypesApi.RequireKnownBackend(body.ExtraSpecs, catalog.Value);
        type.SetExtraSpecs(body.ExtraSpecs!, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return Body("extra_specs", body.ExtraSpecs!);
    }

    public static async Task<IResult> Update(string id, string key, ExtraSpecItemBody body, ApiRequest req, BlockStoreDbContext db,
        IOptions<BackendCatalog> catalog, TimeProvider clock, CancellationToken ct)
    {
        var type = await ChangeableAsync(db, req, id, "volume_extension:types_extra_specs:update", ct);
        if (!body.ContainsKey(key)) throw new InvalidRequestException("Request body and URI mismatch");
        TypesApi.RequireKnownBackend(body, catalog.Value);
        type.SetExtraSpecs(body, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return Body(null, body);
    }

    public static async Task<IResult> Delete(string id, string key, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var type = await ChangeableAsync(db, req, id, "volume_extension:types_extra_specs:delete", ct);
        if (!type.RemoveExtraSpec(key, clock.GetUtcNow().UtcDateTime)) throw NoKey(id, key);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    private static async Task<VolumeType> ChangeableAsync(BlockStoreDbContext db, ApiRequest req, string id, string policy, CancellationToken ct)
    {
        req.Caller.RequireAdmin(policy);
        var type = await TypesApi.FindAsync(db, req, id, ct);
        if (await db.Volumes.AnyAsync(v => v.VolumeTypeId == type.Id, ct)) throw new InvalidRequestException("Volume Type is currently in use.");
        return type;
    }

    private static ResourceNotFoundException NoKey(string id, string key) => new($"Volume Type {id} has no extra specs with key {key}.");

    /// <summary><c>{"extra_specs": {...}}</c>, or the bare <c>{"key": "value"}</c> of a single spec.</summary>
    private static JsonBody Body(string? wrapper, IReadOnlyDictionary<string, string> specs) => JsonBody.Ok(w =>
    {
        if (wrapper is null)
        {
            w.WriteStartObject();
            foreach (var (k, v) in specs) w.WriteString(k, v);
            w.WriteEndObject();
            return;
        }
        w.WriteStartObject();
        w.WriteDictionary(wrapper, specs);
        w.WriteEndObject();
    });
}
