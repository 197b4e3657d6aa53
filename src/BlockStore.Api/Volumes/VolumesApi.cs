using BlockStore.Api.Backups;
using BlockStore.Api.Images;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Snapshots;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Quotas;
using BlockStore.Core.Services;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Volumes;

public static class VolumesApi
{
    public static void MapVolumesApi(this RouteGroupBuilder v3)
    {
        var volumes = v3.MapGroup("/volumes").WithTags("Volumes");
        volumes.MapPost("", Create).Admitted(Admission.Creates);
        volumes.MapGet("", List).Admitted(Admission.Lists);
        volumes.MapGet("/detail", Detail).Admitted(Admission.Lists);
        volumes.MapGet("/summary", Summary).RequireVersion(12);
        volumes.MapGet("/{id}", Show);
        volumes.MapPut("/{id}", Update);
        volumes.MapDelete("/{id}", Delete);
        volumes.MapMetadataApi(new MetadataOwner<Volume>("Volume", "volume", VolumeLookup.FindAsync));
        volumes.MapVolumeActionsApi();
    }

    public static async Task<IResult> Create(CreateVolumeBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        IOptions<BackendCatalog> catalog, IOptions<ServiceOptions> services, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:create");
        var r = body.Volume!;
        var now = clock.GetUtcNow().UtcDateTime;
        if (r.BackupId is not null && !req.Version.AtLeast(47))
            throw new InvalidRequestException("Invalid input received: a volume is made from a backup (backup_id) from microversion 3.47.");
        var backup = r.BackupId is null ? null : await BackupsApi.FindRestorableAsync(db, req, r.BackupId, services.Value, now, ct);
        var source = await VolumeSources.ResolveAsync(db, req, r, catalog.Value, ct);
        var zone = catalog.Value.PlaceIn(r.AvailabilityZone, source.Type);

        var volume = Volume.Create(req.ProjectId, req.Caller.UserId, r.Size ?? backup?.Size ?? source.Size, r.EffectiveName, r.EffectiveDescription,
            source.Type.Id, source.Backend, zone, r.Metadata, source.SnapshotId, source.SourceVolumeId, now);
        if (volume.Size < source.Size)
            throw new InvalidRequestException($"Invalid input received: Volume size '{volume.Size}'GB cannot be smaller than the source size '{source.Size}'GB.");
        if (backup is not null)
        {
            // Written by the backup's restore, not created empty: restoring-backup until every byte is in.
            if (volume.Size < backup.Size)
                throw new InvalidRequestException($"Invalid input received: Volume size '{volume.Size}'GB cannot be smaller than the backup size '{backup.Size}'GB.");
            await BackupsApi.CommitRestoreAsync(db, quotas, backup, volume, made: true, now, ct);
            return VolumeView.Single(volume, req, source.Type.Name, catalog.Value, 202);
        }
        if (source.Image is { } image) volume.SetImageSource(image.Id, image.VolumeMetadata());
        // The request's flag is Cinder's deprecated way; the type's extra spec is the current one.
        if (source.Type.IsMultiattach || r.Multiattach == true)
        {
            catalog.Value.RequireMultiattach(source.Backend);
            volume.AllowMultiattach();
        }
        volume.InheritBoot(source.Bootable, source.ImageMetadata);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await VolumeSources.HoldAsync(db, source, ct);
        // The volume and its outbox row go with the charge, in one round trip and ahead of it. The charge locks the
        // project's usage rows until the commit, so every create of the project waits behind it; charging last keeps
        // that window to the charge and the commit. Over quota, the transaction rolls back and no row was ever seen.
        var rows = new RowBatch(db).Add(volume).Enqueue(new CreateVolume(volume.Id), now);
        await quotas.ChargeAsync(req.ProjectId, source.Type.Id, volumes: 1, gigabytes: volume.Size, snapshots: 0, volumeSize: volume.Size, ct, rows);
        await tx.CommitAsync(ct);
        return VolumeView.Single(volume, req, source.Type.Name, catalog.Value, 202);
    }

    public static async Task<IResult> Show(string id, ApiRequest req, BlockStoreDbContext db, IOptions<BackendCatalog> catalog, CancellationToken ct)
    {
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        var typeName = await VolumeLookup.TypeNameAsync(db, volume.VolumeTypeId, ct);
        var migrations = await VolumeLookup.MigrationsAsync(db, volume.IsMigrating ? [volume.Id] : [], ct);
        // Only a clone can be being flattened.
        var flatten = volume.IsClone ? await VolumeLookup.FlattenAsync(db, volume.Id, ct) : null;
        var attached = await VolumeLookup.AttachedAsync(db, volume, ct);
        return VolumeView.Single(volume, req, typeName, catalog.Value, migration: migrations.GetValueOrDefault(volume.Id), flatten: flatten,
            attachedJson: attached);
    }

    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var page = await VolumeListing.QueryAsync(db, http.Query, req, ct);
        return ListBody.Ok(page, http, req, "volumes", "volumes", v => v.Id, (w, v) => VolumeView.WriteSummary(w, v, req));
    }

    public static async Task<IResult> Detail(HttpRequest http, ApiRequest req, BlockStoreDbContext db, IOptions<BackendCatalog> catalog, CancellationToken ct)
    {
        var page = await VolumeListing.QueryAsync(db, http.Query, req, ct);
        var migrations = await VolumeLookup.MigrationsAsync(db, page.Items.Where(v => v.IsMigrating).Select(v => v.Id), ct);
        return ListBody.Ok(page, http, req, "volumes", "volumes/detail", v => v.Id,
            (w, v) => VolumeView.WriteDetail(w, v, req, catalog.Value, migrations.GetValueOrDefault(v.Id)));
    }

    public static async Task<IResult> Summary(ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var mine = db.Volumes.AsNoTracking().Where(v => v.ProjectId == req.ProjectId);
        var totals = await mine.GroupBy(_ => 1).Select(g => new { Count = g.Count(), Size = g.Sum(v => v.Size) }).FirstOrDefaultAsync(ct);
        var metadata = req.Version.AtLeast(36) ? await mine.Select(v => v.Metadata).ToListAsync(ct) : [];
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("volume-summary");
            w.WriteNumber("total_size", totals?.Size ?? 0);
            w.WriteNumber("total_count", totals?.Count ?? 0);
            if (req.Version.AtLeast(36))
            {
                w.WriteStartObject("metadata");
                foreach (var group in metadata.SelectMany(m => m).GroupBy(p => p.Key))
                {
                    w.WriteStartArray(group.Key);
                    foreach (var value in group.Select(p => p.Value).Distinct()) w.WriteStringValue(value);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> Update(string id, UpdateVolumeBody body, ApiRequest req, BlockStoreDbContext db,
        IOptions<BackendCatalog> catalog, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:update");
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        var r = body.Volume!;
        var name = r.Name ?? r.DisplayName;
        var description = r.Description ?? r.DisplayDescription;
        volume.Update(name, description, r.Metadata, clock.GetUtcNow().UtcDateTime, name is not null, description is not null);
        await db.SaveChangesAsync(ct);
        var typeName = await VolumeLookup.TypeNameAsync(db, volume.VolumeTypeId, ct);
        return VolumeView.Single(volume, req, typeName, catalog.Value, attachedJson: await VolumeLookup.AttachedAsync(db, volume, ct));
    }

    public static async Task<IResult> Delete(string id, HttpRequest http, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:delete");
        var volume = await VolumeLookup.FindAsync(db, req, id, ct);
        var cascade = QueryFlags.IsTrue(http.Query["cascade"]);
        var force = req.Version.AtLeast(23) && QueryFlags.IsTrue(http.Query["force"]);
        if (force) req.Caller.RequireAdmin("volume:force_delete");
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!force) await RequireNoClonesInTheMakingAsync(db, volume.Id, ct);
        await SnapshotManageApi.RequireNoForeignSnapshotsAsync(db, volume.Id, ct);
        var snapshots = await db.Snapshots.Where(s => s.VolumeId == volume.Id && !s.Hidden).ToListAsync(ct);
        volume.BeginDeletion(force, snapshots.Count > 0, cascade || force, now);
        // A cascade needs every snapshot deletable (available or error), as Cinder's does; force takes any
        // snapshot that is not already being deleted.
        foreach (var snapshot in snapshots.Where(s => !force || s.Status != SnapshotStatus.Deleting)) snapshot.BeginDeletion(force, now);
        db.Enqueue(new DeleteVolume(volume.Id), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    /// <summary>
    /// A volume that clones are still being made from (from it, or from one of its snapshots) cannot go yet: the clone
    /// would find nothing to hang from. The volume's row and its snapshots' are locked first, and a create holds its
    /// source shared until it commits (<see cref="VolumeSources.HoldAsync"/>), so
    /// such a create is seen here or else finds its source deleting and is refused. An admin's force-delete skips this:
    /// it is how a stuck volume goes.
    /// </summary>
    internal static async Task RequireNoClonesInTheMakingAsync(BlockStoreDbContext db, Guid volumeId, CancellationToken ct)
    {
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM blockstore.volumes WHERE id = {volumeId} FOR UPDATE", ct);
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM blockstore.snapshots WHERE volume_id = {volumeId} FOR UPDATE", ct);
        var snapshotIds = db.Snapshots.Where(s => s.VolumeId == volumeId).Select(s => (Guid?)s.Id);
        if (await db.Volumes.AnyAsync(v => v.Status == VolumeStatus.Creating
                && (v.SourceVolumeId == volumeId || snapshotIds.Contains(v.SnapshotId)), ct))
            throw new InvalidVolumeStateException(
                $"Volume {volumeId} has a volume still being created from it or from one of its snapshots; delete it once that volume is available.");
    }
}
