using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Volumes;

/// <summary><c>…/volumes/{id}/metadata[/{key}]</c>: POST merges, PUT replaces, as Cinder does.</summary>
public static class VolumeMetadataApi
{
    public static void MapVolumeMetadataApi(this RouteGroupBuilder volumes)
    {
        volumes.MapGet("/{id}/metadata", Get);
        volumes.MapPost("/{id}/metadata", (string id, MetadataBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
            => Set(id, body, replace: false, req, db, clock, ct));
        volumes.MapPut("/{id}/metadata", (string id, MetadataBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
            => Set(id, body, replace: true, req, db, clock, ct));
        volumes.MapGet("/{id}/metadata/{key}", GetKey);
        volumes.MapPut("/{id}/metadata/{key}", SetKey);
        volumes.MapDelete("/{id}/metadata/{key}", DeleteKey);
    }

    public static async Task<IResult> Get(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        return JsonBody.Ok(w => { w.WriteStartObject(); w.WriteDictionary("metadata", volume.Metadata); w.WriteEndObject(); });
    }

    public static async Task<IResult> Set(string id, MetadataBody body, bool replace, ApiRequest req, BlockStoreDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:update_volume_metadata");
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        volume.SetMetadata(body.Metadata!, replace, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return JsonBody.Ok(w => { w.WriteStartObject(); w.WriteDictionary("metadata", volume.Metadata); w.WriteEndObject(); });
    }

    public static async Task<IResult> GetKey(string id, string key, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        if (!volume.Metadata.TryGetValue(key, out var value)) throw new ResourceNotFoundException($"Metadata key {key} of volume {id} could not be found.");
        return JsonBody.Ok(w => { w.WriteStartObject(); w.WriteStartObject("meta"); w.WriteString(key, value); w.WriteEndObject(); w.WriteEndObject(); });
    }

    public static async Task<IResult> SetKey(string id, string key, MetaItemBody body, ApiRequest req, BlockStoreDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:update_volume_metadata");
        if (!body.Meta!.ContainsKey(key)) throw new InvalidRequestException("Request body and URI mismatch");
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        volume.SetMetadata(body.Meta, replace: false, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return JsonBody.Ok(w => { w.WriteStartObject(); w.WriteDictionary("meta", body.Meta); w.WriteEndObject(); });
    }

    public static async Task<IResult> DeleteKey(string id, string key, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:delete_volume_metadata");
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        if (!volume.RemoveMetadataKey(key, clock.GetUtcNow().UtcDateTime))
            throw new ResourceNotFoundException($"Metadata key {key} of volume {id} could not be found.");
        await db.SaveChangesAsync(ct);
        return Results.Ok();
    }
}
