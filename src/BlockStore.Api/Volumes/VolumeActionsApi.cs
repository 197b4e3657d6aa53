using BlockStore.Api.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Volumes;

/// <summary><c>POST …/volumes/{id}/action</c>: one handler per action, chosen by the body's single key.</summary>
public static class VolumeActionsApi
{
    public static void MapVolumeActionsApi(this RouteGroupBuilder volumes) => volumes.MapPost("/{id}/action", Act);

    public static async Task<IResult> Act(string id, VolumeActionBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        IOptions<BackendCatalog> catalog, TimeProvider clock, CancellationToken ct)
    {
        if (body.Unknown is { Count: > 0 } unknown) throw new InvalidRequestException($"There is no such action: {unknown.Keys.First()}");
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return body switch
        {
            { Extend: { } e } => await ExtendAsync(volume, e, req, db, quotas, now, ct),
            { Retype: { } r } => await RetypeAsync(volume, r, req, db, catalog.Value, now, ct),
            { ResetStatus: { } s } => await ResetStatusAsync(volume, s, req, db, now, ct),
            { ForceDelete: not null } => await ForceDeleteAsync(volume, req, db, now, ct),
            { SetBootable: { } b } => await SetBootableAsync(volume, b, req, db, now, ct),
            { UploadImage: { } u } => await UploadToImageAction.RunAsync(volume, u, req, db, quotas, now, ct),
            _ => throw new InvalidRequestException("Invalid request body: exactly one action is required."),
        };
    }

    private static async Task<IResult> ExtendAsync(Volume volume, ExtendAction action, ApiRequest req, BlockStoreDbContext db,
        QuotaService quotas, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:extend");
        if (action.NewSize is not { } newSize || newSize < 1 || newSize > Rules.MaxSizeGb)
            throw new InvalidRequestException($"Invalid input for field/attribute new_size. Value: {action.NewSize}. It must be an integer from 1 to {Rules.MaxSizeGb}.");
        var grow = newSize - volume.Size;
        volume.BeginExtend(newSize, now);
        // Cinder checks the per-volume limit on extend too, not only on create.
        var perVolume = await quotas.LimitAsync(volume.ProjectId, QuotaResources.PerVolumeGigabytes, ct);
        if (perVolume >= 0 && newSize > perVolume)
            throw new QuotaExceededException($"VolumeSizeExceedsLimit: Requested volume size {newSize}G is larger than maximum allowed limit {perVolume}G.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await quotas.ChargeAsync(volume.ProjectId, volumes: 0, gigabytes: grow, snapshots: 0, ct);
        db.Enqueue(new ExtendVolume(volume.Id, newSize), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> RetypeAsync(Volume volume, RetypeAction action, ApiRequest req, BlockStoreDbContext db,
        BackendCatalog catalog, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:retype");
        if (action.NewType is null) throw new InvalidRequestException("Invalid input received: new_type is required.");
        var policy = action.MigrationPolicy ?? "never";
        if (policy is not ("never" or "on-demand"))
            throw new InvalidRequestException($"Invalid input received: migration_policy must be 'never' or 'on-demand', not '{policy}'.");
        var type = await VolumeLookup.FindTypeAsync(db, action.NewType, req.Caller.IsAdmin, ct);
        var backend = VolumeLookup.BackendFor(type, catalog);
        if (backend != volume.Backend)
            throw new InvalidRequestException(policy == "never"
                ? "Invalid volume: Retype requires migration but is not allowed."
                : $"Invalid volume: retype to type {type.Name} needs a migration from backend '{volume.Backend}' to '{backend}', which this release does not perform yet.");
        if (type.Id == volume.VolumeTypeId)
            throw new InvalidRequestException($"Invalid input received: Retype cannot change the volume's type to the same type it already has: {type.Name}.");
        volume.RetypeInPlace(type.Id, now);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> ResetStatusAsync(Volume volume, ResetStatusAction action, ApiRequest req, BlockStoreDbContext db,
        DateTime now, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_admin_actions:reset_status");
        var status = volume.Status;
        if (action.Status is not null && !VolumeStatusNames.TryParse(action.Status, out status))
            throw new InvalidRequestException($"Invalid input received: '{action.Status}' is not a valid volume status.");
        MigrationStatus? migration = null;
        if (action.MigrationStatus is not null and not "none")
        {
            if (!Enum.TryParse(action.MigrationStatus, ignoreCase: true, out MigrationStatus parsed))
                throw new InvalidRequestException($"Invalid input received: '{action.MigrationStatus}' is not a valid migration status.");
            migration = parsed;
        }
        volume.ResetStatus(status, migration, action.MigrationStatus is not null, now);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> ForceDeleteAsync(Volume volume, ApiRequest req, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_admin_actions:force_delete");
        volume.BeginForceDeletion(now);
        // Snapshots already being deleted stay so; the rest go with the volume.
        foreach (var snapshot in await db.Snapshots.Where(s => s.VolumeId == volume.Id && !s.Hidden && s.Status != SnapshotStatus.Deleting).ToListAsync(ct))
            snapshot.BeginDeletion(force: true, now);
        db.Enqueue(new DeleteVolume(volume.Id), now);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> SetBootableAsync(Volume volume, SetBootableAction action, ApiRequest req, BlockStoreDbContext db,
        DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:set_bootable");
        if (action.Bootable is not { } bootable) throw new InvalidRequestException("Invalid input received: bootable must be true or false.");
        volume.MarkBootable(bootable, now);
        await db.SaveChangesAsync(ct);
        return Results.Ok();
    }
}
