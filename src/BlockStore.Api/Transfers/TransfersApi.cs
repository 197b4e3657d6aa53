using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Snapshots;
using BlockStore.Api.Volumes;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Transfers;

/// <summary>
/// Volume transfers, under Cinder's two paths: <c>…/os-volume-transfer</c> at every microversion and
/// <c>…/volume-transfers</c> from 3.55 (where <c>no_snapshots</c> is honoured). A project offers an <c>available</c>
/// volume (it becomes <c>awaiting-transfer</c>) and gets an auth key once; any project that presents the transfer's id
/// and that key accepts it: in one transaction the volume (and its snapshots) change project, the quota moves with them
/// (charged to the new project, refused with 413 over its limits, given back by the old), and the transfer ends.
/// </summary>
public static class TransfersApi
{
    private const string Collection = "os-volume-transfer";

    public static void MapTransfersApi(this RouteGroupBuilder v3)
    {
        Map(v3.MapGroup("/os-volume-transfer").WithTags("Transfers"), honoursNoSnapshots: false);
        Map(v3.MapGroup("/volume-transfers").WithTags("Transfers").RequireVersion(55), honoursNoSnapshots: true);
    }

    private static void Map(RouteGroupBuilder transfers, bool honoursNoSnapshots)
    {
        transfers.MapPost("", (CreateTransferBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct) =>
            CreateAsync(body, honoursNoSnapshots, req, db, clock, ct));
        transfers.MapGet("", (HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) => ListAsync(http, req, db, detail: false, ct));
        transfers.MapGet("/detail", (HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) => ListAsync(http, req, db, detail: true, ct));
        transfers.MapGet("/{id}", ShowAsync);
        transfers.MapDelete("/{id}", DeleteAsync);
        transfers.MapPost("/{id}/accept", AcceptAsync);
    }

    private static async Task<IResult> CreateAsync(CreateTransferBody body, bool honoursNoSnapshots, ApiRequest req, BlockStoreDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:create_transfer");
        var r = body.Transfer!;
        var volume = await VolumeLookup.FindAsync(db, req, r.VolumeId!, ct);
        var noSnapshots = honoursNoSnapshots && r.NoSnapshots == true;
        if (!noSnapshots)
        {
            var unready = await db.Snapshots.AsNoTracking()
                .Where(s => s.VolumeId == volume.Id && !s.Hidden && s.Status != SnapshotStatus.Available).FirstOrDefaultAsync(ct);
            if (unready is not null)
                throw new InvalidSnapshotStateException(
                    $"Snapshot: {unready.Name ?? unready.Id.ToString()}, status: {SnapshotView.Wire(unready.Status)} is not allowed for transfer.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        volume.BeginTransfer(now);
        var (transfer, authKey) = VolumeTransfer.Offer(volume, r.Name, noSnapshots, now);
        db.VolumeTransfers.Add(transfer);
        await db.SaveChangesAsync(ct);
        return JsonBody.Single("transfer", w => WriteDetail(w, transfer, req, authKey), 202);
    }

    private static async Task<IResult> ListAsync(HttpRequest http, ApiRequest req, BlockStoreDbContext db, bool detail, CancellationToken ct)
    {
        var transfers = db.VolumeTransfers.AsNoTracking();
        if (!QueryFlags.AllTenants(http.Query, req)) transfers = transfers.Where(t => t.SourceProjectId == req.ProjectId);
        var rows = await transfers.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).ToListAsync(ct);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("transfers");
            foreach (var t in rows)
            {
                if (detail) WriteDetail(w, t, req, authKey: null);
                else WriteSummary(w, t, req);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task<IResult> ShowAsync(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var transfer = await FindAsync(db, id, ct);
        if (!req.Caller.CanSee(transfer.SourceProjectId)) throw NotFound(id);
        return JsonBody.Single("transfer", w => WriteDetail(w, transfer, req, authKey: null));
    }

    /// <summary>The offering project withdraws the offer; the volume is <c>available</c> to it again.</summary>
    private static async Task<IResult> DeleteAsync(string id, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var transfer = await LockAsync(db, id, ct);
        if (!req.Caller.CanSee(transfer.SourceProjectId)) throw NotFound(id);
        req.Caller.RequireWrite("volume:delete_transfer");
        var volume = await db.Volumes.FirstAsync(v => v.Id == transfer.VolumeId, ct);
        volume.CancelTransfer(clock.GetUtcNow().UtcDateTime);
        db.VolumeTransfers.Remove(transfer);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    /// <summary>
    /// Any project with the id and the key takes the volume. One commit changes the owner of the volume (and of its
    /// snapshots, unless the transfer leaves them), ends the transfer, charges the new project and gives back to the
    /// old. Accepts of one transfer queue on its volume's row (<see cref="LockAsync"/>): the first goes through.
    /// </summary>
    private static async Task<IResult> AcceptAsync(string id, AcceptTransferBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:accept_transfer");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var transfer = await LockAsync(db, id, ct);
        if (!transfer.Opens(body.Accept!.AuthKey))
            throw new InvalidRequestException($"Invalid auth key: Attempt to transfer {transfer.Id} with invalid auth key.");
        var volume = await db.Volumes.FirstAsync(v => v.Id == transfer.VolumeId, ct);
        var snapshots = transfer.NoSnapshots ? [] : await db.Snapshots.Where(s => s.VolumeId == volume.Id && !s.Hidden).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var (from, to) = (volume.ProjectId, req.ProjectId);
        volume.CompleteTransfer(to, req.Caller.UserId, now);
        foreach (var snapshot in snapshots) snapshot.ChangeOwner(to, req.Caller.UserId, now);
        db.VolumeTransfers.Remove(transfer);
        var gigabytes = volume.Size + snapshots.Sum(s => s.Size);

        // The two projects' usage rows are locked in one order, by project id, so that two accepts crossing between the
        // same two projects cannot deadlock. The charge counts the type's rows, so it comes after the rows are saved.
        var moves = from != to;
        var releaseFirst = string.CompareOrdinal(from, to) < 0;
        if (moves && releaseFirst) await quotas.ReleaseAsync(from, 1, gigabytes, snapshots.Count, ct);
        await db.SaveChangesAsync(ct);
        if (moves) await quotas.ChargeAsync(to, volume.VolumeTypeId, volumes: 1, gigabytes, snapshots.Count, volumeSize: volume.Size, ct);
        if (moves && !releaseFirst) await quotas.ReleaseAsync(from, 1, gigabytes, snapshots.Count, ct);
        await tx.CommitAsync(ct);
        return JsonBody.Single("transfer", w => WriteSummary(w, transfer, req), 202);
    }

    /// <summary>
    /// In the caller's transaction: the transfer, read after its volume's row is locked. Every accept and withdrawal of a
    /// transfer queues on that row, which is taken before anything else, so the first wins and the others find the
    /// transfer gone (404); and none holds a usage row or the transfer's row while it waits for the volume.
    /// </summary>
    private static async Task<VolumeTransfer> LockAsync(BlockStoreDbContext db, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid)) throw NotFound(id);
        var volumeId = await db.VolumeTransfers.Where(t => t.Id == guid).Select(t => (Guid?)t.VolumeId).FirstOrDefaultAsync(ct) ?? throw NotFound(id);
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM blockstore.volumes WHERE id = {volumeId} FOR UPDATE", ct);
        return await db.VolumeTransfers.FirstOrDefaultAsync(t => t.Id == guid, ct) ?? throw NotFound(id);
    }

    /// <summary>Any project may name a transfer to accept it; only its own project (or an admin) sees it otherwise.</summary>
    private static async Task<VolumeTransfer> FindAsync(BlockStoreDbContext db, string id, CancellationToken ct) =>
        Guid.TryParse(id, out var guid) && await db.VolumeTransfers.FirstOrDefaultAsync(t => t.Id == guid, ct) is { } transfer
            ? transfer
            : throw NotFound(id);

    private static ResourceNotFoundException NotFound(string id) => new($"Transfer {id} could not be found.");

    private static void WriteSummary(Utf8JsonWriter w, VolumeTransfer t, ApiRequest req)
    {
        w.WriteStartObject();
        w.WriteString("id", t.Id);
        w.WriteString("volume_id", t.VolumeId);
        w.WriteStringOrNull("name", t.Name);
        w.WriteLinks(req, Collection, t.Id);
        w.WriteEndObject();
    }

    /// <summary>Cinder's detail view; the create's adds the auth key, which is never shown again.</summary>
    private static void WriteDetail(Utf8JsonWriter w, VolumeTransfer t, ApiRequest req, string? authKey)
    {
        w.WriteStartObject();
        w.WriteString("id", t.Id);
        w.WriteTimestamp("created_at", t.CreatedAt);
        w.WriteStringOrNull("name", t.Name);
        w.WriteString("volume_id", t.VolumeId);
        if (authKey is not null) w.WriteString("auth_key", authKey);
        w.WriteLinks(req, Collection, t.Id);
        if (req.Version.AtLeast(55)) w.WriteBoolean("no_snapshots", t.NoSnapshots);
        if (req.Version.AtLeast(57))
        {
            w.WriteNull("destination_project_id");
            w.WriteString("source_project_id", t.SourceProjectId);
            w.WriteBoolean("accepted", false);
        }
        w.WriteEndObject();
    }
}
