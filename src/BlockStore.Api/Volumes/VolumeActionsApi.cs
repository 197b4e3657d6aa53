using System.Text.Json;
using BlockStore.Api.Attachments;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Snapshots;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Volumes;

/// <summary><c>POST …/volumes/{id}/action</c>: one handler per action, chosen by the body's single key.</summary>
public static class VolumeActionsApi
{
    public static void MapVolumeActionsApi(this RouteGroupBuilder volumes) => volumes.MapPost("/{id}/action", Act);

    public static async Task<IResult> Act(string id, VolumeActionBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        IOptions<BackendCatalog> catalog, IOptions<CephOptions> ceph, TimeProvider clock, CancellationToken ct)
    {
        if (body.Unknown is { Count: > 0 } unknown) throw new InvalidRequestException($"There is no such action: {unknown.Keys.First()}");
        if (body.Count != 1) throw new InvalidRequestException(OneAction);
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (LegacyAttachActions.TryRun(body, volume, req, db, catalog.Value, ceph.Value, now, ct) is { } legacy) return await legacy;
        return body switch
        {
            { Extend: { } e } => await ExtendAsync(volume, e, req, db, quotas, now, ct),
            { Retype: { } r } => await VolumeMigrationActions.RetypeAsync(volume, r, req, db, quotas, catalog.Value, now, ct),
            { Migrate: { } m } => await VolumeMigrationActions.MigrateAsync(volume, m, req, db, catalog.Value, now, ct),
            { CancelMigration.ValueKind: not JsonValueKind.Undefined } => await VolumeMigrationActions.CancelAsync(volume, req, db, now, ct),
            { ResetStatus: { } s } => await ResetStatusAsync(volume, s, req, db, quotas, now, ct),
            { ForceDelete.ValueKind: not JsonValueKind.Undefined } => await ForceDeleteAsync(volume, req, db, now, ct),
            { Unmanage.ValueKind: not JsonValueKind.Undefined } => await ManageApi.UnmanageAsync(volume, req, db, catalog.Value, now, ct),
            { SetBootable: { } b } => await SetBootableAsync(volume, b, req, db, now, ct),
            { UploadImage: { } u } => await UploadToImageAction.RunAsync(volume, u, req, db, quotas, now, ct),
            { Revert: { } rv } => await RevertAsync(volume, rv, req, db, now, ct),
            { Reimage: { } ri } => await VolumeReimageAction.RunAsync(volume, ri, req, db, now, ct),
            { UpdateReadOnly: { } ro } => await UpdateReadOnlyAsync(volume, ro, req, db, now, ct),
            { SetImageMetadata: { } m } => await VolumeImageMetadataActions.SetAsync(volume, m, req, db, now, ct),
            { UnsetImageMetadata: { } m } => await VolumeImageMetadataActions.UnsetAsync(volume, m, req, db, now, ct),
            { ShowImageMetadata.ValueKind: not JsonValueKind.Undefined } => VolumeImageMetadataActions.Show(volume),
            _ => throw new InvalidRequestException(OneAction),
        };
    }

    private const string OneAction = "Invalid request body: exactly one action is required.";

    private static async Task<IResult> ExtendAsync(Volume volume, ExtendAction action, ApiRequest req, BlockStoreDbContext db,
        QuotaService quotas, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:extend");
        if (action.NewSize is not { } newSize || newSize < 1 || newSize > Rules.MaxSizeGb)
            throw new InvalidRequestException($"Invalid input for field/attribute new_size. Value: {action.NewSize}. It must be an integer from 1 to {Rules.MaxSizeGb}.");
        var grow = newSize - volume.Size;
        // 3.42: an attached volume grows too; the consumer learns of it from the bus (docs/api.md, Attachments).
        volume.BeginExtend(newSize, now, allowInUse: req.Version.AtLeast(42));
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Enqueue(new ExtendVolume(volume.Id, newSize), now);
        await db.SaveChangesAsync(ct);
        // Charged after the save, as a create is: the type's usage is counted from the rows, this one's new size included.
        await quotas.ChargeAsync(volume.ProjectId, volume.VolumeTypeId, volumes: 0, gigabytes: grow, snapshots: 0, volumeSize: newSize, ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    /// <summary>
    /// 3.40: the volume goes back to its latest snapshot, which must be the one named, of the volume's size, and both
    /// <c>available</c> (409 otherwise, as in Cinder). Both rows change in one commit with the command, each against its
    /// xmin, so a racing snapshot, extend or delete and this revert never both go through; the worker rolls the image back.
    /// </summary>
    private static async Task<IResult> RevertAsync(Volume volume, RevertAction action, ApiRequest req, BlockStoreDbContext db, DateTime now,
        CancellationToken ct)
    {
        if (!req.Version.AtLeast(40)) throw new ResourceNotFoundException("The resource could not be found.");
        req.Caller.RequireWrite("volume:revert_to_snapshot");
        var latest = await db.Snapshots.Where(s => s.VolumeId == volume.Id && !s.Hidden)
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).FirstOrDefaultAsync(ct)
            ?? throw new InvalidRequestException($"Volume {volume.Id} doesn't have any snapshots.");
        if (!Guid.TryParse(action.SnapshotId, out var named) || named != latest.Id)
            throw new InvalidRequestException($"Specified snapshot {action.SnapshotId ?? "None"} is None or not the latest one of volume {volume.Id}.");
        var cannot = $"Can't revert volume {volume.Id} to its latest snapshot {latest.Id}.";
        if (volume.Size != latest.Size) throw new InvalidRequestException($"{cannot} The volume size must be equal to the snapshot size.");
        if (volume.Status != VolumeStatus.Available || volume.IsMigrating)
            throw new ConflictException($"Invalid volume: {cannot} Volume's status must be 'available'.");
        if (latest.Status != SnapshotStatus.Available) throw new ConflictException($"Invalid snapshot: {cannot} Snapshot's status must be 'available'.");
        volume.BeginRevert(now);
        latest.BeginRestore(now);
        db.Enqueue(new RevertVolume(volume.Id, latest.Id), now);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> ResetStatusAsync(Volume volume, ResetStatusAction action, ApiRequest req, BlockStoreDbContext db,
        QuotaService quotas, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_admin_actions:reset_status");
        var status = volume.Status;
        // unmanaging is BlockStore's worker's to set, as in Cinder, whose statuses to reset to do not include it.
        if (action.Status is not null && (!VolumeStatusNames.TryParse(action.Status, out status) || status == VolumeStatus.Unmanaging))
            throw new InvalidRequestException($"Invalid input received: '{action.Status}' is not a valid volume status.");
        MigrationStatus? migration = null;
        if (action.MigrationStatus is not null and not "none")
        {
            if (!Enum.TryParse(action.MigrationStatus, ignoreCase: true, out MigrationStatus parsed))
                throw new InvalidRequestException($"Invalid input received: '{action.MigrationStatus}' is not a valid migration status.");
            migration = parsed;
        }
        if (action.Status is null && action.AttachStatus is null && action.MigrationStatus is null)
            throw new InvalidRequestException("Invalid input received: Must specify 'status', 'attach_status' or 'migration_status' for update.");
        var attachStatus = action.AttachStatus?.ToLowerInvariant();
        if (attachStatus is not (null or "attached" or "detached"))
            throw new InvalidRequestException(
                $"Invalid input for field/attribute attach_status. Value: {action.AttachStatus}. Volume attach status: {action.AttachStatus} is invalid, valid statuses are: ['attached', 'detached'].");
        // A volume's attach status is its attachments: "detached" removes them all (an admin clearing a consumer that is
        // gone), "attached" and "in-use" need one to exist.
        var attachments = await db.Attachments.Where(a => a.VolumeId == volume.Id).ToListAsync(ct);
        if (attachments.Count == 0 && (attachStatus == "attached" || action.Status is not null && status == VolumeStatus.InUse))
            throw new InvalidRequestException(
                $"Cannot reset-state to {(attachStatus == "attached" ? "attached" : "in-use")} because volume does not have any attachments.");
        // Out of extending by hand: the growth the extend charged goes back with the reset.
        var extendCharge = volume.Status == VolumeStatus.Extending && status != VolumeStatus.Extending ? volume.AbandonExtend() : 0;
        if (attachStatus == "detached" && attachments.Count > 0)
        {
            db.Attachments.RemoveRange(attachments);
            // Without a status of its own the volume takes that of having no attachment; with one, the admin's wins.
            if (action.Status is null)
            {
                volume.Detached([], now);
                status = volume.Status;
            }
        }
        if (action.Status is not null || action.MigrationStatus is not null)
            volume.ResetStatus(status, migration, action.MigrationStatus is not null, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        if (extendCharge > 0) await quotas.ReleaseAsync(volume.ProjectId, 0, extendCharge, 0, ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    private static async Task<IResult> ForceDeleteAsync(Volume volume, ApiRequest req, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_admin_actions:force_delete");
        await SnapshotManageApi.RequireNoForeignSnapshotsAsync(db, volume.Id, ct);
        volume.BeginForceDeletion(now);
        // Snapshots already being deleted stay so; the rest go with the volume.
        foreach (var snapshot in await db.Snapshots.Where(s => s.VolumeId == volume.Id && !s.Hidden && s.Status != SnapshotStatus.Deleting).ToListAsync(ct))
            snapshot.BeginDeletion(force: true, now);
        db.Enqueue(new DeleteVolume(volume.Id), now);
        await db.SaveChangesAsync(ct);
        return Results.StatusCode(202);
    }

    /// <summary><c>os-update_readonly_flag</c>: recorded for the attachments to come, and shown in the volume's metadata.</summary>
    private static async Task<IResult> UpdateReadOnlyAsync(Volume volume, ReadOnlyFlagAction action, ApiRequest req, BlockStoreDbContext db,
        DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:update_readonly_flag");
        if (action.Readonly is not { } readOnly) throw new InvalidRequestException("Invalid input for field/attribute readonly. 'readonly' is a required property.");
        volume.SetReadOnly(readOnly, now);
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
