using System.Text.Json;
using BlockStore.Api.Infrastructure;
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

/// <summary>
/// Cinder's manage API, for admins: adopting storage that exists on a backend as a volume (<c>os-volume-manage</c>,
/// and <c>manageable_volumes</c> from 3.8), the lists of what a backend holds that may be adopted, and
/// <c>os-unmanage</c>, which lets a volume's storage go with its data. RBD backends only.
/// </summary>
public static class ManageApi
{
    /// <summary>The unique index that lets one volume at a time adopt a given piece of storage.</summary>
    private const string OneAdopterIndex = "ix_volumes_backend_managing_from";

    public static void MapManageApi(this RouteGroupBuilder v3) =>
        v3.MapManageRoutes("/os-volume-manage", "/manageable_volumes", Manage, ListAsync);

    /// <summary>
    /// A manage API's routes: under <paramref name="legacy"/> at every version (cinderclient manages through it always,
    /// and lists through it before 3.8), and under <paramref name="current"/> from 3.8. <paramref name="list"/> takes
    /// whether the list is the detailed one.
    /// </summary>
    internal static void MapManageRoutes(this RouteGroupBuilder v3, string legacy, string current, Delegate manage,
        Func<HttpRequest, ApiRequest, BlockStoreDbContext, bool, CancellationToken, Task<IResult>> list)
    {
        var summary = (HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) => list(http, req, db, false, ct);
        var detail = (HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) => list(http, req, db, true, ct);
        foreach (var (prefix, version) in new[] { (legacy, 0), (current, 8) })
        {
            var group = v3.MapGroup(prefix).WithTags("Manage");
            var routes = new[] { group.MapPost("", manage), group.MapGet("", summary), group.MapGet("/detail", detail) };
            if (version > 0) foreach (var route in routes) route.RequireVersion(version);
        }
    }

    /// <summary>
    /// 202 with the new volume, <c>creating</c> and of size 0 until the worker has read the storage's size, charged it,
    /// and renamed the storage to <c>volume-&lt;id&gt;</c>. The volume's project (the caller's) is charged one volume now,
    /// as Cinder's is. Everything that can be checked here is, before anything is written.
    /// </summary>
    public static async Task<IResult> Manage(ManageVolumeBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        IOptions<BackendCatalog> catalog, IOptions<ServiceOptions> services, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_manage");
        var r = body.Volume!;
        var now = clock.GetUtcNow().UtcDateTime;
        RequireOneOf(r.Host, r.Cluster, req.Version.AtLeast(16));
        if (r.Cluster is not null) throw new InvalidRequestException($"Cluster '{r.Cluster}' not found");
        var service = await ServiceRegistry.FindVolumeServiceAsync(db, r.Host!, ct) ?? throw new InvalidRequestException($"Host '{r.Host}' not found");
        if (service.Disabled || !service.IsUp(now, services.Value.DownAfter)) throw new InvalidRequestException("Service is unavailable at this time.");
        var backend = service.Backend;
        if (!catalog.Value.Exists(backend) || !catalog.Value.Get(backend).CanManageExisting)
            throw new InvalidRequestException(
                $"Invalid input received: backend '{backend}' keeps volumes as plain files named by volume id, and cannot manage existing storage.");
        var source = r.SourceName();
        await RequireUnownedAsync(db, source, ct);

        var type = await FindTypeAsync(db, req, r.VolumeType, ct);
        var typeBackend = VolumeLookup.BackendFor(type, catalog.Value);
        if (typeBackend != backend)
            throw new InvalidRequestException(
                $"Invalid volume type: type {type.Name} places volumes on backend '{typeBackend}', not on '{backend}'; name a type of that backend.");
        var zone = catalog.Value.PlaceIn(r.AvailabilityZone, type);
        var volume = Volume.Manage(req.ProjectId, req.Caller.UserId, source, r.Name?.Trim(), r.Description?.Trim(), type.Id, backend, zone,
            r.Metadata, r.Bootable ?? false, now);
        if (type.IsMultiattach) volume.AllowMultiattach(); // the worker makes the adopted image shared
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var rows = new RowBatch(db).Add(volume).Enqueue(new CreateVolume(volume.Id), now);
            await quotas.ChargeAsync(req.ProjectId, type.Id, volumes: 1, gigabytes: 0, snapshots: 0, volumeSize: null, ct, rows);
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (DbErrors.IsUniqueViolation(e, OneAdopterIndex))
        {
            throw new InvalidVolumeStateException($"Unable to manage existing volume. '{source}' is already being managed by another volume.");
        }
        return VolumeView.Single(volume, req, type.Name, catalog.Value, 202);
    }

    /// <summary>
    /// Storage named as a BlockStore volume is that volume's (Cinder's refusal), or, with no such volume, a deleted
    /// one's leftover that the reconciler removes: neither can be adopted.
    /// </summary>
    private static async Task RequireUnownedAsync(BlockStoreDbContext db, string source, CancellationToken ct)
    {
        if (Volume.IdOfImage(source) is not { } id) return;
        if (await db.Volumes.AnyAsync(v => v.Id == id, ct))
            throw new InvalidVolumeStateException("Unable to manage existing volume. The volume is already managed");
        throw new InvalidVolumeStateException(
            $"Unable to manage existing volume. '{source}' is named as a BlockStore volume that no longer exists, and the reconciler removes such storage; rename it first.");
    }

    /// <summary>A type by name or id (the caller's project default when none), with Cinder's refusal for one not found.</summary>
    private static async Task<Core.Types.VolumeType> FindTypeAsync(BlockStoreDbContext db, ApiRequest req, string? idOrName, CancellationToken ct)
    {
        try
        {
            return await VolumeLookup.FindTypeAsync(db, idOrName, req, ct);
        }
        catch (ResourceNotFoundException) when (idOrName is not null)
        {
            throw new InvalidRequestException($"Invalid volume type: Cannot find requested '{idOrName}' volume type");
        }
    }

    /// <summary>
    /// <c>os-unmanage</c> → 202. The volume must be deletable without <c>force</c> or <c>cascade</c> (Cinder's conditions
    /// and refusal); it shows <c>unmanaging</c> until the worker has renamed its image to <c>volume-&lt;id&gt;.unmanaged</c>
    /// and removed the row, giving its quota back.
    /// </summary>
    public static async Task<IResult> UnmanageAsync(Volume volume, ApiRequest req, BlockStoreDbContext db, BackendCatalog catalog, DateTime now,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_unmanage");
        if (!catalog.Get(volume.Backend).CanManageExisting)
            throw new InvalidVolumeStateException(
                $"Volume {volume.Id} is on backend '{volume.Backend}', which keeps volumes as plain files named by volume id and cannot unmanage them.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await VolumesApi.RequireNoClonesInTheMakingAsync(db, volume.Id, ct);
        volume.BeginUnmanage(await db.Snapshots.AnyAsync(s => s.VolumeId == volume.Id && !s.Hidden, ct), now);
        db.Enqueue(new UnmanageVolume(volume.Id), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    /// <summary>
    /// <c>{"manageable-volumes": [...]}</c>: what the host's backend holds, as the worker's last scan found it, sorted
    /// and paged as Cinder does (by <c>reference</c> or <c>size</c>; a marker is a reference, as JSON). Storage that is
    /// a volume's already is listed too, not safe to manage, with its volume's id.
    /// </summary>
    private static async Task<IResult> ListAsync(HttpRequest http, ApiRequest req, BlockStoreDbContext db, bool detail, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:list_manageable");
        var (backend, page) = await ManageablePage.ParseAsync(http.Query, req, db, ct);
        return page.Write("manageable-volumes", await EntriesAsync(db, backend, ct), detail);
    }

    /// <summary>
    /// The storage the scan found that no volume owns, unsafe while a volume is adopting it; and the image of every volume
    /// on the backend (a migration's destination too), which is already managed. Volumes still being created, and those in
    /// <c>error</c>, are left out: their image may not exist (a create that failed before it was made).
    /// </summary>
    private static async Task<List<ManageableEntry>> EntriesAsync(BlockStoreDbContext db, string backend, CancellationToken ct)
    {
        var adopting = await db.Volumes.AsNoTracking().Where(v => v.Backend == backend && v.ManagingFrom != null)
            .ToDictionaryAsync(v => v.ManagingFrom!, v => v.Id, ct);
        var found = await db.ManageableImages.AsNoTracking().Where(i => i.Backend == backend).ToListAsync(ct);
        var owned = await db.Volumes.AsNoTracking()
            .Where(v => (v.Backend == backend || v.MigratingTo == backend) && v.ManagingFrom == null
                && v.Status != VolumeStatus.Creating && v.Status != VolumeStatus.Error)
            .Select(v => new { v.Id, v.Size }).ToListAsync(ct);
        return found.Select(i => adopting.TryGetValue(i.Name, out var by)
                ? new ManageableEntry(i.Name, i.SizeGb, "already managed", by)
                : new ManageableEntry(i.Name, i.SizeGb, i.ReasonNotSafe, null))
            .Concat(owned.Select(v => new ManageableEntry($"volume-{v.Id}", v.Size, "already managed", v.Id)))
            .ToList();
    }

    /// <summary>Cinder's <c>get_cluster_host</c>: one of host and cluster, the latter only from <paramref name="clusterAllowed"/>'s version.</summary>
    internal static void RequireOneOf(string? host, string? cluster, bool clusterAllowed)
    {
        if (!clusterAllowed) cluster = null;
        if ((host is null) == (cluster is null))
            throw new InvalidRequestException(
                clusterAllowed ? "Invalid input received: One and only one of cluster and host must be set." : "Invalid input received: Host field is missing.");
    }
}

/// <summary>
/// One entry of a manageable list. <paramref name="ReasonNotSafe"/> null means safe to manage. <paramref name="Source"/>:
/// a snapshot's volume storage (Cinder's <c>source_reference</c>), null on the volumes' list.
/// </summary>
public sealed record ManageableEntry(string Reference, int Size, string? ReasonNotSafe, Guid? CinderId, string? Source = null);
