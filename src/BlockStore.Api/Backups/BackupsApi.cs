using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Snapshots;
using BlockStore.Api.Volumes;
using BlockStore.Contracts;
using BlockStore.Core.Backups;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Jobs;
using BlockStore.Core.Quotas;
using BlockStore.Core.Services;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Backups;

/// <summary>
/// <c>…/backups</c>: create, list, detail, show, update, delete, restore, and the admin actions. A backup is a full copy of a
/// volume (or of one of its snapshots) in the backup store that workers with a <c>Backups</c> section keep; each such worker
/// runs a <c>cinder-backup</c> service, and while none is up, creates and restores are refused with Cinder's 503.
/// </summary>
public static class BackupsApi
{
    public const string NoBackupService = "Service cinder-backup could not be found.";

    private const string Table = "blockstore.backups";

    private static readonly Dictionary<string, string> Sortable = new()
    {
        ["created_at"] = "v.created_at",
        ["updated_at"] = "COALESCE(v.updated_at, '-infinity'::timestamptz)",
        ["id"] = "v.id",
        ["name"] = "COALESCE(v.name, '')",
        ["display_name"] = "COALESCE(v.name, '')",
        ["size"] = "v.size",
        ["status"] = "v.status",
        ["volume_id"] = "v.volume_id",
    };

    public static void MapBackupsApi(this RouteGroupBuilder v3)
    {
        var backups = v3.MapGroup("/backups").WithTags("Backups");
        backups.MapPost("", CreateAsync).Admitted(Admission.Creates);
        backups.MapGet("", List).Admitted(Admission.Lists);
        backups.MapGet("/detail", Detail).Admitted(Admission.Lists);
        backups.MapGet("/{id}", Show);
        backups.MapPut("/{id}", Update).RequireVersion(9);
        backups.MapDelete("/{id}", Delete);
        backups.MapPost("/{id}/restore", RestoreAsync);
        backups.MapPost("/{id}/action", Act);
    }

    /// <summary>Cinder's checks, in its order, then the backup, its job and its charge in one transaction.</summary>
    private static async Task<IResult> CreateAsync(CreateBackupBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        IOptions<BackendCatalog> catalog, IOptions<ServiceOptions> services, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("backup:create");
        var r = body.Backup!;
        // Cinder's schema takes them from these versions on, and refuses them before.
        if (r.Metadata is not null && !req.Version.AtLeast(43)) throw new InvalidRequestException(Unexpected("metadata"));
        if (r.AvailabilityZone is not null && !req.Version.AtLeast(51)) throw new InvalidRequestException(Unexpected("availability_zone"));
        var volume = await VolumeLookup.FindAsync(db, req, r.VolumeId!, ct);
        Snapshot? snapshot = null;
        if (r.SnapshotId is not null)
        {
            snapshot = await SnapshotsApi.FindAsync(db, req, r.SnapshotId, ct);
            if (snapshot.VolumeId != volume.Id)
                throw new InvalidVolumeStateException($"Volume {volume.Id} does not match with snapshot.volume_id {snapshot.VolumeId}.");
            if (snapshot.Status != SnapshotStatus.Available)
                throw new InvalidSnapshotStateException(
                    $"Snapshot to be backed up must be available, but the current status is \"{SnapshotView.Wire(snapshot.Status)}\".");
        }
        else
        {
            volume.RequireBackupable(r.Force == true);
            // Without snapshots the volume itself is read: one that a host may be writing would be copied torn.
            if (volume.Status == VolumeStatus.InUse && !catalog.Value.Get(volume.Backend).SupportsSnapshots)
                throw new InvalidVolumeStateException(
                    $"Volume {volume.Id} is attached, and its backend '{volume.Backend}' takes no snapshots to back it up from; detach it first.");
        }
        if (r.Incremental == true)
            throw new InvalidRequestException("Invalid backup: Incremental backups are not supported: every backup is a full copy of its volume.");
        if (r.Container is not null)
            throw new InvalidRequestException("Invalid input received: Backups are kept in the backup store's own container, which cannot be chosen.");
        var now = clock.GetUtcNow().UtcDateTime;
        // Every backup service serves the deployment's one zone: in another, Cinder's scheduler finds none.
        if (r.AvailabilityZone is { } zone && zone != catalog.Value.AvailabilityZone) throw new ServiceUnavailableException(NoBackupService);
        await RequireBackupServiceAsync(db, services.Value, now, ct);

        var backup = Backup.Create(volume, snapshot, req.Caller.UserId, r.Name, r.Description, r.Metadata, now);
        if (snapshot is not null) snapshot.BeginBackup(now);
        else volume.BeginBackup(r.Force == true, now);
        var plan = new BackupPlan(backup.Id, volume.Backend, Snapshot: snapshot?.BackendName);
        var job = Job.Start(BackupPlan.BackupKind, volume.Id, volume.ProjectId, now, plan.ToJson());
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Backups.Add(backup);
        db.Jobs.Add(job);
        db.Enqueue(new BackupVolume(job.Id, backup.Id), now);
        // The volume's (or snapshot's) xmin guards its move: a delete or an extend that read it first fails, or this does.
        await db.SaveChangesAsync(ct);
        await quotas.ChargeBackupAsync(backup.ProjectId, backup.Size, ct);
        await tx.CommitAsync(ct);
        return JsonBody.Single("backup", w => BackupView.WriteSummary(w, backup, req), 202);
    }

    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        ListBody.Ok(await QueryAsync(db, http.Query, req, ct), http, req, BackupView.Collection, BackupView.Collection, b => b.Id,
            (w, b) => BackupView.WriteSummary(w, b, req));

    public static async Task<IResult> Detail(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        ListBody.Ok(await QueryAsync(db, http.Query, req, ct), http, req, BackupView.Collection, "backups/detail", b => b.Id,
            (w, b) => BackupView.WriteDetail(w, b, req));

    public static async Task<IResult> Show(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        BackupView.Single(await FindAsync(db, req, id, ct), req);

    public static async Task<IResult> Update(string id, UpdateBackupBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("backup:update");
        var backup = await FindAsync(db, req, id, ct);
        var r = body.Backup!;
        if (r.Metadata is not null && !req.Version.AtLeast(43)) throw new InvalidRequestException(Unexpected("metadata"));
        backup.Update(r.Name, r.Description, r.Metadata, r.Name is not null, r.Description is not null, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return BackupView.Single(backup, req);
    }

    public static async Task<IResult> Delete(string id, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("backup:delete");
        var backup = await FindAsync(db, req, id, ct);
        await BeginDeletionAsync(db, backup, force: false, clock.GetUtcNow().UtcDateTime, ct);
        return Results.StatusCode(202);
    }

    private static async Task BeginDeletionAsync(BlockStoreDbContext db, Backup backup, bool force, DateTime now, CancellationToken ct)
    {
        backup.BeginDeletion(force, now);
        db.Enqueue(new DeleteBackup(backup.Id), now);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Onto the volume named (available, and at least as large), or into a new volume of the backup's size, of the default
    /// type, charged as a create; either way <c>restoring-backup</c> until the worker has written every byte.
    /// </summary>
    private static async Task<IResult> RestoreAsync(string id, RestoreBackupBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        IOptions<BackendCatalog> catalog, IOptions<ServiceOptions> services, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("backup:restore");
        var now = clock.GetUtcNow().UtcDateTime;
        var backup = await FindRestorableAsync(db, req, id, services.Value, now, ct);
        var r = body.Restore;

        Volume volume;
        var made = r?.VolumeId is null;
        if (!made)
        {
            volume = await VolumeLookup.FindAsync(db, req, r!.VolumeId!, ct);
        }
        else
        {
            var source = await VolumeSources.ResolveAsync(db, req, new CreateVolumeRequest { Size = backup.Size }, catalog.Value, ct);
            volume = Volume.Create(req.ProjectId, req.Caller.UserId, backup.Size, r?.Name ?? $"restore_backup_{backup.Id}",
                "auto-created_from_restore_from_backup", source.Type.Id, source.Backend, catalog.Value.PlaceIn(null, source.Type), null, null, null, now);
        }
        await CommitRestoreAsync(db, quotas, backup, volume, made, now, ct);
        return JsonBody.Single("restore", w =>
        {
            w.WriteStartObject();
            w.WriteString("backup_id", backup.Id);
            w.WriteString("volume_id", volume.Id);
            w.WriteStringOrNull("volume_name", volume.Name);
            w.WriteEndObject();
        }, 202);
    }

    /// <summary>
    /// Commits a restore of <paramref name="backup"/> onto <paramref name="volume"/>, or into it when it is new
    /// (<paramref name="made"/>: added, and charged as a create), with its job and first step, in one transaction: both go
    /// to their restoring statuses, guarded by their xmin, so two restores, or a restore and a delete, never both go through.
    /// </summary>
    internal static async Task CommitRestoreAsync(BlockStoreDbContext db, QuotaService quotas, Backup backup, Volume volume, bool made, DateTime now,
        CancellationToken ct)
    {
        volume.BeginRestore(backup.Size, now, madeForIt: made);
        backup.BeginRestore(volume.Id, now);
        var job = Job.Start(BackupPlan.RestoreKind, volume.Id, volume.ProjectId, now, new BackupPlan(backup.Id, volume.Backend, NewVolume: made).ToJson());
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (made) db.Volumes.Add(volume);
        db.Jobs.Add(job);
        db.Enqueue(new RestoreBackup(job.Id, backup.Id), now);
        await db.SaveChangesAsync(ct);
        if (made) await quotas.ChargeAsync(volume.ProjectId, volume.VolumeTypeId, volumes: 1, gigabytes: volume.Size, snapshots: 0, volumeSize: volume.Size, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>A backup a volume can be made from now: visible to the caller, available, and a backup service up to restore it.</summary>
    internal static async Task<Backup> FindRestorableAsync(BlockStoreDbContext db, ApiRequest req, string id, ServiceOptions services, DateTime now,
        CancellationToken ct)
    {
        var backup = await FindAsync(db, req, id, ct);
        if (backup.Status != BackupStatus.Available) throw new InvalidRequestException("Invalid backup: Backup status must be available");
        await RequireBackupServiceAsync(db, services, now, ct);
        return backup;
    }

    /// <summary>Admin actions: <c>os-reset_status</c> (to available or error) and <c>os-force_delete</c>.</summary>
    public static async Task<IResult> Act(string id, BackupActionBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        if (body.Unknown is { Count: > 0 } unknown) throw new InvalidRequestException($"There is no such action: {unknown.Keys.First()}");
        var backup = await FindAsync(db, req, id, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        switch (body)
        {
            case { ResetStatus: { } reset }:
                req.Caller.RequireAdmin("volume_extension:backup_admin_actions:reset_status");
                var status = Enum.GetValues<BackupStatus>().Where(s => BackupView.Wire(s) == reset.Status).Select(s => (BackupStatus?)s).FirstOrDefault()
                             ?? throw new InvalidRequestException($"Invalid input received: '{reset.Status}' is not a valid backup status.");
                backup.ResetStatus(status, now);
                await db.SaveChangesAsync(ct);
                break;
            case { ForceDelete.ValueKind: not JsonValueKind.Undefined }:
                req.Caller.RequireAdmin("volume_extension:backup_admin_actions:force_delete");
                await BeginDeletionAsync(db, backup, force: true, now, ct);
                break;
            default:
                throw new InvalidRequestException("Invalid request body: exactly one action is required.");
        }
        return Results.StatusCode(202);
    }

    private static string Unexpected(string member) => $"Invalid input for field/attribute backup. {Rules.Unexpected(member)}";

    private static async Task RequireBackupServiceAsync(BlockStoreDbContext db, ServiceOptions services, DateTime now, CancellationToken ct)
    {
        if (!await ServiceRegistry.IsBackupServedAsync(db, now, services.DownAfter, ct)) throw new ServiceUnavailableException(NoBackupService);
    }

    public static async Task<Backup> FindAsync(BlockStoreDbContext db, ApiRequest req, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid)) throw ResourceNotFoundException.Backup(id);
        var backup = await db.Backups.FirstOrDefaultAsync(b => b.Id == guid, ct);
        return backup is not null && req.Caller.CanSee(backup.ProjectId) ? backup : throw ResourceNotFoundException.Backup(id);
    }

    private static Task<ListPage<Backup>> QueryAsync(BlockStoreDbContext db, IQueryCollection q, ApiRequest req, CancellationToken ct)
    {
        ResourceFiltersApi.RejectUnknown("backup", q, req);
        var list = new ListQuery(q, Table, Sortable);
        ListFilters.Projects(list, q, req);
        ListFilters.Equal(list, q, "name", "v.name");
        ListFilters.Equal(list, q, "status", "v.status");
        ListFilters.Equal(list, q, "volume_id", "v.volume_id", v => Guid.TryParse(v, out var g) ? g : Guid.Empty);
        return list.RunAsync<Backup>(db, QueryFlags.WithCount(q, req), ct);
    }
}
