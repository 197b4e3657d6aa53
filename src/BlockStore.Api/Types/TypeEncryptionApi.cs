using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Types;

/// <summary>
/// <c>…/types/{id}/encryption[/{key}]</c> (admins, as in Cinder). BlockStore has no key manager to hold volume keys, so no
/// type is encrypted: the specs of every type are Cinder's empty answer, <c>{}</c>, and an item or a change of them is not
/// found; making a type encrypted is refused. Clients read these for every type (cinderclient's
/// <c>encryption-type-list</c>, Horizon's volume types page), so they must answer, not fail.
/// </summary>
public static class TypeEncryptionApi
{
    private const string Policy = "volume_extension:volume_type_encryption";

    public static void MapTypeEncryptionApi(this RouteGroupBuilder types)
    {
        types.MapGet("/{id}/encryption", async (string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        {
            await AdminFindAsync(db, req, id, "get", ct);
            return JsonBody.Ok(w => { w.WriteStartObject(); w.WriteEndObject(); });
        });
        types.MapGet("/{id}/encryption/{key}", (string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
            NoneAsync(db, req, id, "get", ct));
        types.MapPut("/{id}/encryption/{key}", (string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
            NoneAsync(db, req, id, "update", ct));
        types.MapDelete("/{id}/encryption/{key}", (string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
            NoneAsync(db, req, id, "delete", ct));
        types.MapPost("/{id}/encryption", async (string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        {
            await AdminFindAsync(db, req, id, "create", ct);
            throw new InvalidRequestException(
                "Invalid input received: volume types cannot be encrypted here: BlockStore has no key manager to hold the volumes' keys.");
        });
    }

    /// <summary>Cinder's <c>VolumeTypeEncryptionNotFound</c>, after its policy and type checks.</summary>
    private static async Task<IResult> NoneAsync(BlockStoreDbContext db, ApiRequest req, string id, string action, CancellationToken ct)
    {
        await AdminFindAsync(db, req, id, action, ct);
        throw new ResourceNotFoundException($"Volume type encryption for type {id} does not exist.");
    }

    private static async Task AdminFindAsync(BlockStoreDbContext db, ApiRequest req, string id, string action, CancellationToken ct)
    {
        req.Caller.RequireAdmin($"{Policy}:{action}");
        await TypesApi.FindAsync(db, req, id, ct);
    }
}
