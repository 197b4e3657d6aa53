using System.Text.Json;
using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Snapshots;

/// <summary>The body of <c>POST …/snapshots/{id}/action</c>: one admin action.</summary>
public sealed class SnapshotActionBody
{
    [JsonPropertyName("os-reset_status")] public SnapshotResetStatus? ResetStatus { get; set; }
    /// <summary>Takes no arguments, so any value asks for it (cinderclient sends null); absent, it is <see cref="JsonValueKind.Undefined"/>.</summary>
    [JsonPropertyName("os-force_delete")] public JsonElement ForceDelete { get; set; }
    /// <summary><c>os-unmanage</c> (admins): like <see cref="ForceDelete"/>, any value asks for it.</summary>
    [JsonPropertyName("os-unmanage")] public JsonElement Unmanage { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; set; }
}

public sealed class SnapshotResetStatus
{
    public string? Status { get; set; }
}

/// <summary>
/// Admin actions on snapshots: recovery, as for volumes (<c>os-reset_status</c> and <c>os-force_delete</c>), and
/// <c>os-unmanage</c> (<see cref="SnapshotManageApi"/>).
/// </summary>
public static class SnapshotActionsApi
{
    public static void MapSnapshotActionsApi(this RouteGroupBuilder snapshots) => snapshots.MapPost("/{id}/action", Act);

    public static async Task<IResult> Act(string id, SnapshotActionBody body, ApiRequest req, BlockStoreDbContext db,
        IOptions<BackendCatalog> catalog, TimeProvider clock, CancellationToken ct)
    {
        if (body.Unknown is { Count: > 0 } unknown) throw new InvalidRequestException($"There is no such action: {unknown.Keys.First()}");
        var snapshot = await SnapshotsApi.FindAsync(db, req, id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        switch (body)
        {
            case { ResetStatus: { } reset }:
                req.Caller.RequireAdmin("volume_extension:snapshot_admin_actions:reset_status");
                // unmanaging is the worker's to set: reset to it, the reconciler would let the snapshot go.
                var status = Enum.GetValues<SnapshotStatus>().Where(s => s != SnapshotStatus.Unmanaging && SnapshotView.Wire(s) == reset.Status)
                                 .Select(s => (SnapshotStatus?)s).FirstOrDefault()
                             ?? throw new InvalidRequestException($"Invalid input received: '{reset.Status}' is not a valid snapshot status.");
                snapshot.ResetStatus(status, now);
                break;
            case { ForceDelete.ValueKind: not JsonValueKind.Undefined }:
                req.Caller.RequireAdmin("volume_extension:snapshot_admin_actions:force_delete");
                snapshot.BeginDeletion(force: true, now);
                db.Enqueue(new DeleteSnapshot(snapshot.Id, snapshot.VolumeId), now);
                break;
            case { Unmanage.ValueKind: not JsonValueKind.Undefined }:
                return await SnapshotManageApi.UnmanageAsync(snapshot, req, db, catalog.Value, now, ct);
            default:
                throw new InvalidRequestException("Invalid request body: exactly one action is required.");
        }
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }
}
