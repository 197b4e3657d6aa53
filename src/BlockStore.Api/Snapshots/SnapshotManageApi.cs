using BlockStore.Api.Infrastructure;
using BlockStore.Api.Volumes;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Quotas;
using BlockStore.Core.Services;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Images;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Snapshots;

/// <summary>
/// Cinder's snapshot manage API, for admins: adopting a snapshot that exists on a volume's storage but is no BlockStore
/// snapshot's (<c>os-snapshot-manage</c>, and <c>manageable_snapshots</c> from 3.8), the lists of those, and
/// <c>os-unmanage</c>, which lets a snapshot go with its data. RBD backends only.
/// </summary>
public static class SnapshotManageApi
{
    /// <summary>The unique index that lets one snapshot at a time adopt a given backend snapshot of a volume.</summary>
    private const string OneAdopterIndex = "ix_snapshots_volume_id_managing_from";

    public static void MapSnapshotManageApi(this RouteGroupBuilder v3) =>
        v3.MapManageRoutes("/os-snapshot-manage", "/manageable_snapshots", Manage, ListAsync);

    /// <summary>
    /// 202 with the new snapshot, <c>creating</c> until the worker has read the backend snapshot's size, corrected the
    /// charge, renamed it to <c>snapshot-&lt;id&gt;</c> and protected it. The volume's project is charged now as for a
    /// snapshot taken now (one snapshot, the volume's size), as Cinder's is. Everything that can be checked here is,
    /// before anything is written.
    /// </summary>
    public static async Task<IResult> Manage(ManageSnapshotBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        IOptions<BackendCatalog> catalog, IOptions<ServiceOptions> services, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("snapshot_extension:snapshot_manage");
        var r = body.Snapshot!;
        var now = clock.GetUtcNow().UtcDateTime;
        var volume = await VolumeLookup.FindAsync(db, req, r.VolumeId!, ct);
        if (!catalog.Value.Get(volume.Backend).CanManageExisting)
            throw new InvalidRequestException(
                $"Invalid input received: backend '{volume.Backend}' keeps volumes as plain files, which have no snapshots to manage.");
        if (!await ServiceRegistry.IsBackendServedAsync(db, volume.Backend, now, services.Value.DownAfter, ct))
            throw new InvalidRequestException("Service is unavailable at this time.");
        volume.RequireAvailableForSnapshot(allowInUse: true);
        var source = r.SourceName();
        await RequireUnownedAsync(db, volume, source, ct);

        var snapshot = Snapshot.Manage(volume, req.Caller.UserId, source, r.Name?.Trim(), r.Description?.Trim(), r.Metadata, now);
        try
        {
            await SnapshotsApi.CommitNewAsync(db, quotas, volume, snapshot, now, ct);
        }
        catch (Exception e) when (DbErrors.IsUniqueViolation(e, OneAdopterIndex))
        {
            throw new InvalidSnapshotStateException($"Unable to manage existing snapshot. '{source}' is already being managed by another snapshot.");
        }
        return SnapshotView.Single(snapshot, req, 202);
    }

    /// <summary>
    /// A backend snapshot that BlockStore made is refused: a snapshot row's (Cinder's "already managed"), a clone's or an
    /// upload's. One recorded as not managed is never refused, whatever its name (an unmanaged snapshot keeps its own).
    /// </summary>
    private static async Task RequireUnownedAsync(BlockStoreDbContext db, Volume volume, string source, CancellationToken ct)
    {
        if (await db.ForeignSnapshots.AnyAsync(f => f.VolumeId == volume.Id && f.Name == source, ct)) return;
        if (Snapshot.IdOfBackendName(source) is { } id && await db.Snapshots.AnyAsync(s => s.Id == id, ct))
            throw new InvalidSnapshotStateException("Unable to manage existing snapshot. The snapshot is already managed");
        if (Snapshot.ReasonNotManageable(source, ImagePool.VolumeSnapshotPrefix) is { } reason)
            throw new InvalidSnapshotStateException($"Unable to manage existing snapshot. '{source}' is BlockStore's own ({reason}).");
    }

    /// <summary>
    /// <c>os-unmanage</c> → 202. Cinder's conditions for a delete without <c>force</c>, and its refusal; the snapshot shows
    /// <c>unmanaging</c> until the worker has unprotected its backend snapshot and removed the row, giving its quota back.
    /// </summary>
    public static async Task<IResult> UnmanageAsync(Snapshot snapshot, ApiRequest req, BlockStoreDbContext db, BackendCatalog catalog, DateTime now,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("snapshot_extension:snapshot_unmanage");
        var volume = await db.Volumes.AsNoTracking().FirstAsync(v => v.Id == snapshot.VolumeId, ct);
        if (!catalog.Get(volume.Backend).CanManageExisting)
            throw new InvalidSnapshotStateException($"Snapshot {snapshot.Id} is on backend '{volume.Backend}', which cannot unmanage snapshots.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // As a delete: a volume still being created from the snapshot needs it to stay BlockStore's.
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM blockstore.snapshots WHERE id = {snapshot.Id} FOR UPDATE", ct);
        if (await db.Volumes.AnyAsync(v => v.SnapshotId == snapshot.Id && v.Status == VolumeStatus.Creating, ct))
            throw new InvalidSnapshotStateException(
                $"Snapshot {snapshot.Id} has a volume still being created from it; unmanage it once that volume is available.");
        snapshot.BeginUnmanage(now);
        db.Enqueue(new UnmanageSnapshot(snapshot.Id, snapshot.VolumeId), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    /// <summary>
    /// <c>{"manageable-snapshots": [...]}</c>: the snapshots on the host's backend that BlockStore does not manage (those a
    /// managed image brought along, and those unmanaged), each with its volume's storage as <c>source_reference</c>,
    /// sorted and paged as Cinder does; and every BlockStore snapshot there, already managed, with its id.
    /// </summary>
    private static async Task<IResult> ListAsync(HttpRequest http, ApiRequest req, BlockStoreDbContext db, bool detail, CancellationToken ct)
    {
        req.Caller.RequireAdmin("snapshot_extension:list_manageable");
        var (backend, page) = await ManageablePage.ParseAsync(http.Query, req, db, ct);
        var adopting = await db.Snapshots.AsNoTracking().Where(s => s.ManagingFrom != null)
            .Join(db.Volumes.Where(v => v.Backend == backend), s => s.VolumeId, v => v.Id, (s, v) => new { s.VolumeId, s.ManagingFrom, s.Id })
            .ToListAsync(ct);
        var foreign = await db.ForeignSnapshots.AsNoTracking().Where(f => f.Backend == backend).ToListAsync(ct);
        var owned = await db.Snapshots.AsNoTracking()
            .Where(s => !s.Hidden && s.ManagingFrom == null && s.Status != SnapshotStatus.Creating && s.Status != SnapshotStatus.Error)
            .Join(db.Volumes.Where(v => v.Backend == backend), s => s.VolumeId, v => v.Id, (s, v) => new { s.Id, s.Size, s.VolumeId })
            .ToListAsync(ct);
        var entries = foreign.Select(f => adopting.FirstOrDefault(a => a.VolumeId == f.VolumeId && a.ManagingFrom == f.Name) is { } by
                ? new ManageableEntry(f.Name, f.SizeGb, "already managed", by.Id, Volume.ImageNameOf(f.VolumeId))
                : new ManageableEntry(f.Name, f.SizeGb, null, null, Volume.ImageNameOf(f.VolumeId)))
            .Concat(owned.Select(s => new ManageableEntry(Snapshot.BackendNameOf(s.Id), s.Size, "already managed", s.Id, Volume.ImageNameOf(s.VolumeId))));
        return page.Write("manageable-snapshots", entries, detail);
    }

    /// <summary>
    /// Refuses a delete or migration of <paramref name="volumeId"/> while its storage holds snapshots that BlockStore
    /// does not manage: both would destroy data that BlockStore was never given.
    /// </summary>
    public static async Task RequireNoForeignSnapshotsAsync(BlockStoreDbContext db, Guid volumeId, CancellationToken ct)
    {
        var names = await db.ForeignSnapshots.Where(f => f.VolumeId == volumeId).OrderBy(f => f.Name).Select(f => f.Name).ToListAsync(ct);
        if (names.Count > 0) throw new InvalidVolumeStateException(ForeignSnapshot.Refusal(volumeId, names));
    }
}
