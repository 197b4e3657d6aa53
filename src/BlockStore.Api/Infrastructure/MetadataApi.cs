using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Metadata;
using FluentValidation;

namespace BlockStore.Api.Infrastructure;

/// <summary>How a metadata sub-resource finds its parent, and what Cinder calls it in messages and policies.</summary>
/// <param name="Label">"Volume" or "Snapshot", as in "Volume X has no metadata with key k."</param>
/// <param name="Policy">The policy noun: <c>volume</c> gives <c>volume:update_volume_metadata</c>.</param>
public sealed record MetadataOwner<T>(string Label, string Policy, Func<BlockStoreDbContext, ApiRequest, string, CancellationToken, Task<T>> FindAsync)
    where T : class, IHasMetadata;

/// <summary><c>…/{id}/metadata[/{key}]</c> for volumes and snapshots: POST merges, PUT replaces, as Cinder does.</summary>
public static class MetadataApi
{
    public static void MapMetadataApi<T>(this RouteGroupBuilder group, MetadataOwner<T> owner) where T : class, IHasMetadata
    {
        group.MapGet("/{id}/metadata", async (string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
            Body("metadata", (await owner.FindAsync(db, req, id, ct)).Metadata));
        group.MapPost("/{id}/metadata", (string id, MetadataBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
            => SetAsync(owner, id, body.Metadata!, replace: false, req, db, clock, ct));
        group.MapPut("/{id}/metadata", (string id, MetadataBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
            => SetAsync(owner, id, body.Metadata!, replace: true, req, db, clock, ct));
        group.MapGet("/{id}/metadata/{key}", async (string id, string key, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        {
            var parent = await owner.FindAsync(db, req, id, ct);
            return parent.Metadata.TryGetValue(key, out var value) ? Body("meta", new() { [key] = value }) : throw NoKey(owner, id, key);
        });
        group.MapPut("/{id}/metadata/{key}", async (string id, string key, MetaItemBody body, ApiRequest req, BlockStoreDbContext db,
            TimeProvider clock, CancellationToken ct) =>
        {
            if (!body.Meta!.ContainsKey(key)) throw new InvalidRequestException("Request body and URI mismatch");
            await SetAsync(owner, id, body.Meta, replace: false, req, db, clock, ct);
            return Body("meta", body.Meta);
        });
        group.MapDelete("/{id}/metadata/{key}", async (string id, string key, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
            CancellationToken ct) =>
        {
            req.Caller.RequireWrite($"volume:delete_{owner.Policy}_metadata");
            var parent = await owner.FindAsync(db, req, id, ct);
            if (!parent.RemoveMetadataKey(key, clock.GetUtcNow().UtcDateTime)) throw NoKey(owner, id, key);
            await db.SaveChangesAsync(ct);
            return Results.Ok();
        });
    }

    private static async Task<IResult> SetAsync<T>(MetadataOwner<T> owner, string id, Dictionary<string, string> metadata, bool replace,
        ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct) where T : class, IHasMetadata
    {
        req.Caller.RequireWrite($"volume:update_{owner.Policy}_metadata");
        var parent = await owner.FindAsync(db, req, id, ct);
        parent.SetMetadata(metadata, replace, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return Body("metadata", parent.Metadata);
    }

    private static JsonBody Body(string name, Dictionary<string, string> values) =>
        JsonBody.Ok(w => { w.WriteStartObject(); w.WriteDictionary(name, values); w.WriteEndObject(); });

    private static ResourceNotFoundException NoKey<T>(MetadataOwner<T> owner, string id, string key) where T : class, IHasMetadata =>
        new($"{owner.Label} {id} has no metadata with key {key}.");
}

public sealed class MetadataBody : OpenBody
{
    public Dictionary<string, string>? Metadata { get; set; }
}

public sealed class MetaItemBody : OpenBody
{
    public Dictionary<string, string>? Meta { get; set; }
}

public sealed class MetadataBodyValidator : AbstractValidator<MetadataBody>
{
    public MetadataBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Metadata).NotNull().WithMessage("Malformed request body: 'metadata' is required.");
        RuleFor(b => b.Metadata).IsMetadata();
    }
}

public sealed class MetaItemBodyValidator : AbstractValidator<MetaItemBody>
{
    public MetaItemBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Meta).Must(m => m is { Count: 1 })
            .WithMessage("Malformed request body: 'meta' must hold exactly one key.");
        RuleFor(b => b.Meta).IsMetadata("meta");
    }
}
