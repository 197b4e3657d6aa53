using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Types;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Types;

/// <summary>
/// <c>…/qos-specs</c>, for admins (<c>cinder qos-*</c>): QoS specs, their keys, and their association with volume types.
/// A volume's consumer receives the specs of its type in the connection info when their consumer is <c>front-end</c> or
/// <c>both</c> (<see cref="QosSpecs.ForConsumer"/>). Cinder's routes, answers and messages.
/// </summary>
public static class QosSpecsApi
{
    private const string Collection = "qos-specs";

    public static void MapQosSpecsApi(this RouteGroupBuilder v3)
    {
        var qos = v3.MapGroup("/qos-specs").WithTags("Types");
        qos.MapGet("", List);
        qos.MapPost("", Create);
        qos.MapGet("/{id}", Show);
        qos.MapPut("/{id}", Update);
        qos.MapDelete("/{id}", Delete);
        qos.MapPut("/{id}/delete_keys", DeleteKeys);
        qos.MapGet("/{id}/associations", Associations);
        // Cinder changes associations with GETs, and its clients send them.
        qos.MapGet("/{id}/associate", Associate);
        qos.MapGet("/{id}/disassociate", Disassociate);
        qos.MapGet("/{id}/disassociate_all", DisassociateAll);
    }

    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:get_all");
        var rows = db.QosSpecs.AsNoTracking();
        if (http.Query["name"].ToString() is { Length: > 0 } name) rows = rows.Where(q => q.Name == name);
        if (http.Query["consumer"].ToString() is { Length: > 0 } consumer) rows = rows.Where(q => q.Consumer == consumer);
        var specs = await rows.OrderBy(q => q.CreatedAt).ThenBy(q => q.Id).ToListAsync(ct);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("qos_specs");
            foreach (var q in specs) Write(w, q);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>200 with the specs; <c>consumer</c> among the members sets the consumer (<c>back-end</c> when absent).</summary>
    public static async Task<IResult> Create(QosCreateBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:create");
        var members = new Dictionary<string, string>(body.QosSpecs!);
        members.Remove("name", out var name);
        name = name!.Trim();
        if (await db.QosSpecs.AnyAsync(q => q.Name == name, ct)) throw new ConflictException($"QoS Specs {name} already exists.");
        var specs = QosSpecs.Create(name, members, clock.GetUtcNow().UtcDateTime);
        db.QosSpecs.Add(specs);
        await db.SaveChangesAsync(ct);
        return Detail(specs, req);
    }

    public static async Task<IResult> Show(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:get");
        return Detail(await FindAsync(db, id, ct), req);
    }

    /// <summary>Sets keys (and the consumer, as <c>consumer</c>); answers the request's own body, as Cinder does.</summary>
    public static async Task<IResult> Update(string id, QosSetBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:update");
        var specs = await FindAsync(db, id, ct);
        specs.Set(body.QosSpecs!, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteDictionary("qos_specs", body.QosSpecs!);
            w.WriteEndObject();
        });
    }

    /// <summary>202; specs still associated with a type are refused unless <c>force</c>, which disassociates them first.</summary>
    public static async Task<IResult> Delete(string id, HttpRequest http, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:delete");
        var force = ParseForce(http.Query["force"]);
        var specs = await FindAsync(db, id, ct);
        var types = await AssociatedTypes(db, specs).ToListAsync(ct);
        if (types.Count > 0 && !force) throw new InvalidRequestException(InUse);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var type in types) type.DisassociateQos(now);
        db.QosSpecs.Remove(specs);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (DbErrors.IsForeignKeyViolation(e))
        {
            // A type was associated with them meanwhile: its key refuses the delete.
            throw new InvalidRequestException(InUse);
        }
        return Results.StatusCode(202);
    }

    public static async Task<IResult> DeleteKeys(string id, QosUnsetBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:delete");
        var specs = await FindAsync(db, id, ct);
        specs.RemoveKeys(body.Keys!, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    public static async Task<IResult> Associations(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:get_all");
        var specs = await FindAsync(db, id, ct);
        var types = await AssociatedTypes(db, specs).AsNoTracking().OrderBy(t => t.Name)
            .Select(t => new { t.Id, t.Name }).ToListAsync(ct);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("qos_associations");
            foreach (var t in types)
            {
                w.WriteStartObject();
                w.WriteString("association_type", "volume_type");
                w.WriteString("name", t.Name);
                w.WriteString("id", t.Id);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>202; a type associated with other specs is refused (400), as in Cinder.</summary>
    public static async Task<IResult> Associate(string id, HttpRequest http, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:update");
        var (specs, type) = await SpecsAndTypeAsync(db, req, id, http.Query["vol_type_id"], ct);
        type.AssociateQos(specs.Id, clock.GetUtcNow().UtcDateTime);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (DbErrors.IsForeignKeyViolation(e))
        {
            throw NotFound(id); // deleted meanwhile
        }
        return Results.StatusCode(202);
    }

    public static async Task<IResult> Disassociate(string id, HttpRequest http, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:update");
        var (specs, type) = await SpecsAndTypeAsync(db, req, id, http.Query["vol_type_id"], ct);
        if (type.QosSpecsId == specs.Id) type.DisassociateQos(clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    public static async Task<IResult> DisassociateAll(string id, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:qos_specs_manage:update");
        var specs = await FindAsync(db, id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var type in await AssociatedTypes(db, specs).ToListAsync(ct)) type.DisassociateQos(now);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    private const string InUse = "Qos specs still in use.";

    private static ResourceNotFoundException NotFound(string id) => new($"No such QoS spec {id}.");

    private static IQueryable<VolumeType> AssociatedTypes(BlockStoreDbContext db, QosSpecs specs) =>
        db.VolumeTypes.Where(t => t.QosSpecsId == specs.Id);

    private static async Task<QosSpecs> FindAsync(BlockStoreDbContext db, string id, CancellationToken ct) =>
        Guid.TryParse(id, out var guid) && await db.QosSpecs.FirstOrDefaultAsync(q => q.Id == guid, ct) is { } specs ? specs : throw NotFound(id);

    private static async Task<(QosSpecs, VolumeType)> SpecsAndTypeAsync(BlockStoreDbContext db, ApiRequest req, string id, string? typeId,
        CancellationToken ct)
    {
        if (string.IsNullOrEmpty(typeId)) throw new InvalidRequestException("Volume Type id must not be None.");
        var specs = await FindAsync(db, id, ct);
        return (specs, await TypesApi.FindAsync(db, req, typeId, ct));
    }

    /// <summary>Cinder's strict <c>force</c>: absent is false, and anything but a boolean's spelling is a bad request.</summary>
    private static bool ParseForce(string? value) =>
        string.IsNullOrEmpty(value) ? false
        : CinderBoolConverter.Parse(value) ?? throw new InvalidRequestException($"Invalid value '{value}' for 'force': it must be a boolean.");

    private static IResult Detail(QosSpecs specs, ApiRequest req) => JsonBody.Ok(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("qos_specs");
        Write(w, specs);
        w.WriteLinks(req, Collection, specs.Id);
        w.WriteEndObject();
    });

    private static void Write(Utf8JsonWriter w, QosSpecs q)
    {
        w.WriteStartObject();
        w.WriteString("id", q.Id);
        w.WriteString("name", q.Name);
        w.WriteString("consumer", q.Consumer);
        w.WriteDictionary("specs", q.Specs);
        w.WriteEndObject();
    }
}

/// <summary><c>{"qos_specs": {"name": …, "consumer": …, "key": "value", …}}</c>.</summary>
public sealed class QosCreateBody : OpenBody
{
    public Dictionary<string, string>? QosSpecs { get; set; }
}

/// <summary><c>{"qos_specs": {"key": "value", …}}</c>.</summary>
public sealed class QosSetBody : OpenBody
{
    public Dictionary<string, string>? QosSpecs { get; set; }
}

/// <summary><c>{"keys": ["key", …]}</c>.</summary>
public sealed class QosUnsetBody : OpenBody
{
    public List<string>? Keys { get; set; }
}

public sealed class QosCreateBodyValidator : AbstractValidator<QosCreateBody>
{
    public QosCreateBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.QosSpecs).Cascade(CascadeMode.Stop).NotNull().WithMessage(Rules.Malformed)
            .Must(s => s!.TryGetValue("name", out var n) && n.Trim().Length > 0)
            .WithMessage("Invalid input for field/attribute qos_specs. 'name' is a required property")
            .Must(s => s!.All(p => p.Key.Length is > 0 and <= 255 && p.Value.Length <= 255))
            .WithMessage("Invalid input for field/attribute qos_specs. Keys and values must be 1 to 255 and at most 255 characters.");
    }
}

public sealed class QosSetBodyValidator : AbstractValidator<QosSetBody>
{
    public QosSetBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.QosSpecs).Cascade(CascadeMode.Stop).NotNull().WithMessage(Rules.Malformed)
            .Must(s => s!.All(p => p.Key.Length is > 0 and <= 255 && p.Value is not null && p.Value.Length <= 255))
            .WithMessage("Invalid input for field/attribute qos_specs. Keys and values must be 1 to 255 and at most 255 characters.");
    }
}

public sealed class QosUnsetBodyValidator : AbstractValidator<QosUnsetBody>
{
    public QosUnsetBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Keys).Cascade(CascadeMode.Stop).NotNull().WithMessage("Invalid input for field/attribute keys. 'keys' is a required property")
            .Must(k => k!.All(s => s is { Length: > 0 and <= 255 }) && k!.Distinct().Count() == k!.Count)
            .WithMessage("Invalid input for field/attribute keys. Keys must be distinct strings of 1 to 255 characters.");
    }
}
