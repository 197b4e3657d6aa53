using BlockStore.Api.Infrastructure;
using BlockStore.Api.Volumes;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Quotas;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Types;

/// <summary><c>…/types</c>: everyone reads public types; only an admin creates, changes or deletes them.</summary>
public static class TypesApi
{
    private const string Table = "blockstore.volume_types";

    private static readonly Dictionary<string, string> Sortable = new()
    {
        ["created_at"] = "v.created_at",
        ["id"] = "v.id",
        ["name"] = "v.name",
        ["is_public"] = "v.is_public",
    };

    public static void MapTypesApi(this RouteGroupBuilder v3)
    {
        var types = v3.MapGroup("/types").WithTags("Types");
        types.MapGet("", List);
        types.MapGet("/{id}", Show);
        types.MapPost("", Create);
        types.MapPut("/{id}", Update);
        types.MapDelete("/{id}", Delete);
        types.MapTypeExtraSpecsApi();
        types.MapTypeAccessApi();
        types.MapTypeEncryptionApi();
    }

    /// <summary>
    /// Non-admins see public types and the private ones shared with their project. An admin sees public types by default,
    /// private ones with <c>is_public=false</c>, and both with <c>is_public=None</c> (what cinderclient sends).
    /// </summary>
    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        ResourceFiltersApi.RejectUnknown("volume_type", http.Query, req, since: 52);
        var list = new ListQuery(http.Query, Table, Sortable);
        if (!req.Caller.IsAdmin) list.Scope(VolumeTypeAccess.UsableSql("v"), ("project", req.ProjectId));
        else if (ParseIsPublic(http.Query["is_public"]) is { } p) list.Scope("v.is_public = @is_public", ("is_public", p));
        ListFilters.Equal(list, http.Query, "name", "v.name");
        if (req.Version.AtLeast(52)) FilterBySpecs(list, http.Query["extra_specs"].ToString(), req);
        var page = await list.RunAsync<VolumeType>(db, withCount: false, ct);
        return ListBody.Ok(page, http, req, "volume_types", "types", t => t.Id, (w, t) => TypeView.Write(w, t, req), "volume_type_links");
    }

    /// <summary>
    /// 3.52: <c>extra_specs={'k': 'v'}</c>, types holding every pair; <c>RESKEY:availability_zones</c> matches a zone
    /// within its list. A member may filter only by the specs it can see: a filter on another matches nothing for it, as
    /// in Cinder, rather than telling what the hidden specs hold.
    /// </summary>
    private static void FilterBySpecs(ListQuery list, string raw, ApiRequest req)
    {
        if (raw.Length == 0) return;
        var specs = ListFilters.Dictionary(raw, "extra_specs");
        if (!req.Caller.IsAdmin && specs.Keys.Any(k => !TypeView.IsUserVisible(k)))
        {
            list.Where("FALSE");
            return;
        }
        var i = 0;
        foreach (var (key, value) in specs)
        {
            var (k, v) = ($"spec_k{i}", $"spec_v{i++}");
            list.Where(key == VolumeType.AvailabilityZonesKey ? $"strpos(v.extra_specs ->> @{k}, @{v}) > 0" : $"v.extra_specs ->> @{k} = @{v}",
                (k, key), (v, value));
        }
    }

    /// <summary>By id; <c>default</c> names the type the caller's project gets when a create names none.</summary>
    public static async Task<IResult> Show(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        TypeView.One(id == "default" ? await VolumeLookup.DefaultTypeAsync(db, req.ProjectId, ct) : await FindAsync(db, req, id, ct), req);

    public static async Task<IResult> Create(CreateTypeBody body, ApiRequest req, BlockStoreDbContext db, IOptions<BackendCatalog> catalog,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:type_create");
        var r = body.VolumeType!;
        RequireKnownBackend(r.ExtraSpecs, catalog.Value);
        await RequireUniqueNameAsync(db, r.Name!, ct);
        var type = VolumeType.Create(r.Name!, r.Description, r.IsPublic ?? true, r.ExtraSpecs, clock.GetUtcNow().UtcDateTime);
        db.VolumeTypes.Add(type);
        await db.SaveChangesAsync(ct);
        return TypeView.One(type, req);
    }

    /// <summary>A renamed type keeps its per-type quota limits, under its new name.</summary>
    public static async Task<IResult> Update(string id, UpdateTypeBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:type_update");
        var r = body.VolumeType!;
        var type = await FindAsync(db, req, id, ct);
        var oldName = type.Name;
        var renamed = r.Name is not null && r.Name != oldName;
        if (renamed)
        {
            // Volumes created without a type are given the default one by its name.
            if (type.Name == VolumeType.DefaultName) throw new InvalidRequestException("Invalid volume type: the default volume type cannot be renamed.");
            await RequireUniqueNameAsync(db, r.Name!, ct);
        }
        type.Update(r.Name, r.Description, r.IsPublic, clock.GetUtcNow().UtcDateTime);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        if (renamed) await quotas.RenameTypeAsync(oldName, type.Name, ct);
        await tx.CommitAsync(ct);
        return TypeView.One(type, req);
    }

    /// <summary>
    /// 202; refused while any volume, even one being deleted, still has the type, and while it is a project's default.
    /// Its per-type quota limits go with it.
    /// </summary>
    public static async Task<IResult> Delete(string id, ApiRequest req, BlockStoreDbContext db, QuotaService quotas, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:type_delete");
        var type = await FindAsync(db, req, id, ct);
        if (type.Name == VolumeType.DefaultName || await db.ProjectDefaultTypes.AnyAsync(d => d.VolumeTypeId == type.Id, ct))
            throw DefaultTypesApi.InUseAsDefault(type.Id);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        int deleted;
        try
        {
            // One statement, so that the check and the delete see the same volumes.
            deleted = await db.Database.ExecuteSqlAsync($"""
                DELETE FROM blockstore.volume_types t
                WHERE t.id = {type.Id} AND NOT EXISTS (SELECT 1 FROM blockstore.volumes v WHERE v.volume_type_id = {type.Id})
                """, ct);
        }
        catch (Exception e) when (DbErrors.IsForeignKeyViolation(e))
        {
            // A project was given the type as its default meanwhile: its key refuses the delete.
            throw DefaultTypesApi.InUseAsDefault(type.Id);
        }
        if (deleted == 0) throw new InvalidRequestException("Target volume type is still in use.");
        await quotas.ForgetTypeAsync(type.Name, ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    /// <summary>A type by id; a private one only for admins and the projects it is shared with.</summary>
    public static async Task<VolumeType> FindAsync(BlockStoreDbContext db, ApiRequest req, string id, CancellationToken ct)
    {
        var type = Guid.TryParse(id, out var guid) ? await db.VolumeTypes.FirstOrDefaultAsync(t => t.Id == guid, ct) : null;
        return type is not null && await TypeAccessApi.IsVisibleAsync(db, type, req, ct) ? type : throw ResourceNotFoundException.VolumeType(id);
    }

    /// <summary>A <c>volume_backend_name</c> must name a configured backend, or no volume of the type could be placed.</summary>
    public static void RequireKnownBackend(IReadOnlyDictionary<string, string>? specs, BackendCatalog catalog)
    {
        if (specs?.GetValueOrDefault(VolumeType.BackendKey) is { } backend && !catalog.Exists(backend))
            throw new InvalidRequestException(
                $"Invalid input received: {VolumeType.BackendKey} '{backend}' is not a configured backend (configured: {string.Join(", ", catalog.Backends.Keys.Order())}).");
    }

    private static async Task RequireUniqueNameAsync(BlockStoreDbContext db, string name, CancellationToken ct)
    {
        if (await db.VolumeTypes.AnyAsync(t => t.Name == name, ct)) throw new ConflictException($"Volume Type {name} already exists.");
    }

    /// <summary>Cinder's <c>_parse_is_public</c>: absent means public only, "None" means both.</summary>
    private static bool? ParseIsPublic(string? value) =>
        string.IsNullOrEmpty(value) ? true
        : value.Equals("none", StringComparison.OrdinalIgnoreCase) ? null
        : CinderBoolConverter.Parse(value) ?? throw new InvalidRequestException($"Invalid is_public filter [{value}]");
}
