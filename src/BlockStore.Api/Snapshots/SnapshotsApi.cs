using BlockStore.Api.Infrastructure;
using BlockStore.Api.Volumes;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Snapshots;

/// <summary><c>…/snapshots</c>: create, list, detail, show, update, delete, and metadata.</summary>
public static class SnapshotsApi
{
    private const string Table = "blockstore.snapshots";

    /// <summary>Cinder's message when 3.66 or later is sent <c>force: false</c>.</summary>
    private const string InUseFlagMessage =
        "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward compatability, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.";

    private static readonly Dictionary<string, string> Sortable = new()
    {
        ["created_at"] = "v.created_at",
        ["updated_at"] = "COALESCE(v.updated_at, '-infinity'::timestamptz)",
        ["id"] = "v.id",
        ["name"] = "COALESCE(v.name, '')",
        ["display_name"] = "COALESCE(v.name, '')", // what cinderclient sends for name, and Cinder's column
        ["size"] = "v.size",
        ["status"] = "v.status",
        ["volume_id"] = "v.volume_id",
    };

    public static void MapSnapshotsApi(this RouteGroupBuilder v3)
    {
        var snapshots = v3.MapGroup("/snapshots").WithTags("Snapshots");
        snapshots.MapPost("", Create).Admitted(Admission.Creates);
        snapshots.MapGet("", List).Admitted(Admission.Lists);
        snapshots.MapGet("/detail", Detail).Admitted(Admission.Lists);
        snapshots.MapGet("/{id}", Show);
        snapshots.MapPut("/{id}", Update);
        snapshots.MapDelete("/{id}", Delete);
        snapshots.MapMetadataApi(new MetadataOwner<Snapshot>("Snapshot", "snapshot", FindAsync));
        snapshots.MapSnapshotActionsApi();
    }

    public static async Task<IResult> Create(CreateSnapshotBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        IOptions<BackendCatalog> catalog, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:create_snapshot");
        var r = body.Snapshot!;
        if (r.Force == false && req.Version.AtLeast(66)) throw new InvalidRequestException(InUseFlagMessage);
        var volume = await VolumeLookup.FindAsync(db, req, r.VolumeId!, ct);
        volume.RequireAvailableForSnapshot(allowInUse: r.Force == true || req.Version.AtLeast(66));
        catalog.Value.RequireSnapshots(volume);

        var now = clock.GetUtcNow().UtcDateTime;
        var snapshot = Snapshot.Create(volume, req.Caller.UserId, r.EffectiveName, r.Description, r.Metadata, now);
        await CommitNewAsync(db, quotas, volume, snapshot, now, ct);
        return SnapshotView.Single(snapshot, req, 202);
    }

    /// <summary>
    /// Commits a new snapshot of <paramref name="volume"/> (taken, or managed), its <see cref="CreateSnapshot"/> and the
    /// charge of one snapshot of the volume's size, in one transaction, as long as the volume is as it was read.
    /// </summary>
    internal static async Task CommitNewAsync(BlockStoreDbContext db, QuotaService quotas, Volume volume, Snapshot snapshot, DateTime now,
        CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Compare-and-swap on the volume row (a no-op write that moves its xmin): a delete, extend or retype
        // that read the volume before us now fails its own check, and if one committed first, we fail here.
        var claimed = await db.Volumes.Where(v => v.Id == volume.Id && v.Version == volume.Version)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.StatusChangedAt, v => v.StatusChangedAt), ct);
        if (claimed == 0)
            throw new InvalidVolumeStateException($"Volume {volume.Id} changed state while the snapshot was requested; the snapshot was not created.");
        db.Snapshots.Add(snapshot);
        db.Enqueue(new CreateSnapshot(snapshot.Id, volume.Id), now);
        await db.SaveChangesAsync(ct);
        // Charged after the save, as a create is: the type's usage is counted from the rows, this snapshot included.
        await quotas.ChargeAsync(volume.ProjectId, volume.VolumeTypeId, volumes: 0, gigabytes: volume.Size, snapshots: 1, volumeSize: null, ct);
        await tx.CommitAsync(ct);
    }

    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        ListBody.Ok(await QueryAsync(db, http.Query, req, ct), http, req, "snapshots", "snapshots", s => s.Id,
            (w, s) => SnapshotView.WriteSummary(w, s));

    public static async Task<IResult> Detail(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) =>
        ListBody.Ok(await QueryAsync(db, http.Query, req, ct), http, req, "snapshots", "snapshots/detail", s => s.Id,
            (w, s) => SnapshotView.WriteDetail(w, s, req));

    public static async Task<IResult> Show(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var snapshot = await FindAsync(db, req, id, ct);
        return SnapshotView.Single(snapshot, req);
    }

    public static async Task<IResult> Update(string id, UpdateSnapshotBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:update_snapshot");
        var snapshot = await FindAsync(db, req, id, ct);
        var r = body.Snapshot!;
        snapshot.Update(r.EffectiveName, r.EffectiveDescription, r.EffectiveName is not null, r.EffectiveDescription is not null,
            clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return SnapshotView.Single(snapshot, req);
    }

    /// <summary>
    /// 202 and <c>deleting</c>. Clones made from the snapshot do not stop it: the worker defers the backend removal
    /// (hiding the snapshot) until no clone depends on it. A volume still being created from it does: its clone is not
    /// made yet, and the snapshot must be there when it is.
    /// </summary>
    public static async Task<IResult> Delete(string id, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:delete_snapshot");
        var snapshot = await FindAsync(db, req, id, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Locked first, then the volumes read: a create from the snapshot holds it shared until its commit (see
        // VolumeSources.HoldAsync), so its volume is seen here, or else it finds the snapshot deleting and is refused.
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM blockstore.snapshots WHERE id = {snapshot.Id} FOR UPDATE", ct);
        if (await db.Volumes.AnyAsync(v => v.SnapshotId == snapshot.Id && v.Status == VolumeStatus.Creating, ct))
            throw new InvalidSnapshotStateException(
                $"Snapshot {snapshot.Id} has a volume still being created from it; delete it once that volume is available.");
        var now = clock.GetUtcNow().UtcDateTime;
        snapshot.BeginDeletion(force: false, now);
        db.Enqueue(new DeleteSnapshot(snapshot.Id, snapshot.VolumeId), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    /// <summary>A snapshot the caller may see; hidden ones (kept for dependent clones) are gone to the tenant.</summary>
    public static async Task<Snapshot> FindAsync(BlockStoreDbContext db, ApiRequest req, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid)) throw ResourceNotFoundException.Snapshot(id);
        var snapshot = await db.Snapshots.FirstOrDefaultAsync(s => s.Id == guid && !s.Hidden, ct);
        return snapshot is not null && req.Caller.CanSee(snapshot.ProjectId) ? snapshot : throw ResourceNotFoundException.Snapshot(id);
    }

    private static Task<ListPage<Snapshot>> QueryAsync(BlockStoreDbContext db, IQueryCollection q, ApiRequest req, CancellationToken ct)
    {
        ResourceFiltersApi.RejectUnknown("snapshot", q, req);
        var list = new ListQuery(q, Table, Sortable).Scope("NOT v.hidden");
        ListFilters.Projects(list, q, req);
        ListFilters.Equal(list, q, "name", "v.name");
        ListFilters.Like(list, q, req, "snapshot", "name", "v.name");
        ListFilters.Equal(list, q, "status", "v.status", SnapshotView.Stored);
        // A volume_id that is not a uuid matches nothing, as it does in Cinder.
        ListFilters.Equal(list, q, "volume_id", "v.volume_id", v => Guid.TryParse(v, out var g) ? g : Guid.Empty);
        if (req.Version.AtLeast(22)) ListFilters.Metadata(list, q);
        return list.RunAsync<Snapshot>(db, QueryFlags.WithCount(q, req), ct);
    }
}
