using BlockStore.Api.Infrastructure;
using BlockStore.Api.Snapshots;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Jobs;
using BlockStore.Core.Quotas;
using BlockStore.Core.Services;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Volumes;

/// <summary>The actions that may move a volume's data: <c>os-retype</c>, <c>os-migrate_volume</c> and <c>os-migrate_volume_cancel</c>.</summary>
public static class VolumeMigrationActions
{
    /// <summary>
    /// The new type's own quota limits apply: in place, to the volume and its snapshots, which count towards it from the
    /// commit; across backends, to the volume, reserved in it until the switch-over.
    /// </summary>
    public static async Task<IResult> RetypeAsync(Volume volume, RetypeAction action, ApiRequest req, BlockStoreDbContext db,
        QuotaService quotas, BackendCatalog catalog, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:retype");
        if (action.NewType is null) throw new InvalidRequestException("Invalid input received: new_type is required.");
        var policy = action.MigrationPolicy ?? "never";
        if (policy is not ("never" or "on-demand"))
            throw new InvalidRequestException($"Invalid input received: migration_policy must be 'never' or 'on-demand', not '{policy}'.");
        var type = await VolumeLookup.FindTypeAsync(db, action.NewType, req, ct);
        if (type.Id == volume.VolumeTypeId)
            throw new InvalidRequestException($"Invalid input received: Retype cannot change the volume's type to the same type it already has: {type.Name}.");
        var backend = VolumeLookup.BackendFor(type, catalog);
        var changesMultiattach = type.IsMultiattach != volume.Multiattach;
        if (changesMultiattach) volume.RequireMultiattachChangeable();
        if (type.IsMultiattach) catalog.RequireMultiattach(backend);
        // Read before the transaction: a retype in place that changes the back-end limits is the worker's too.
        var changesQos = backend == volume.Backend && catalog.Get(backend).SupportsBackEndQos && !QosSpecs.SameBackEnd(
            await QosSpecs.BackEndOfTypeAsync(db, volume.VolumeTypeId, ct), await QosSpecs.BackEndOfTypeAsync(db, type.Id, ct));
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (backend == volume.Backend)
        {
            // A retype that changes multiattach or the back-end limits changes the volume's storage: the worker does that.
            if (changesMultiattach || changesQos)
            {
                volume.BeginBackendRetype(type.Id, type.IsMultiattach, now);
                db.Enqueue(new RetypeVolume(volume.Id), now);
            }
            else volume.RetypeInPlace(type.Id, now);
            await db.SaveChangesAsync(ct);
            var snapshots = await db.Snapshots.Where(s => s.VolumeId == volume.Id && !s.Hidden)
                .GroupBy(_ => 1).Select(g => new { Count = g.Count(), Size = g.Sum(s => (long)s.Size) }).FirstOrDefaultAsync(ct);
            await quotas.ChargeRetypeAsync(volume.ProjectId, type.Id, volume.Size + (snapshots?.Size ?? 0), snapshots?.Count ?? 0, ct);
        }
        else
        {
            if (policy == "never") throw new InvalidVolumeStateException("Retype requires migration but is not allowed.");
            if (await ServiceRegistry.IsBackendDisabledAsync(db, backend, ct))
                throw new InvalidRequestException(
                    $"Invalid input received: No valid backend was found: every volume service of backend '{backend}', which type {type.Name} selects, is disabled.");
            await StartAsync(volume, backend, type.Id, type.IsMultiattach, forceHostCopy: false, db, now, ct);
            await quotas.ChargeRetypeAsync(volume.ProjectId, type.Id, volume.Size, snapshots: 0, ct);
        }
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    public static async Task<IResult> MigrateAsync(Volume volume, MigrateAction action, ApiRequest req, BlockStoreDbContext db,
        BackendCatalog catalog, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_admin_actions:migrate_volume");
        if (string.IsNullOrWhiteSpace(action.Host)) throw new InvalidRequestException("Invalid input received: host is required.");
        var backend = BackendOfHost(action.Host);
        if (!catalog.Exists(backend) || await ServiceRegistry.IsBackendDisabledAsync(db, backend, ct))
            throw new InvalidRequestException($"Invalid host: No available service named {action.Host}");
        if (volume.Multiattach) catalog.RequireMultiattach(backend);
        await StartAsync(volume, backend, newTypeId: null, volume.Multiattach, action.ForceHostCopy ?? false, db, now, ct);
        return Results.StatusCode(202);
    }

    /// <summary>
    /// BlockStore's own admin action: stops a running migration; the destination is removed and the volume stays where it
    /// was. The job's flag and the volume's row change in one commit: a worker that has finished copying reads the flag
    /// before it switches over, or its switch-over fails on the changed row, so an accepted cancel is never passed over.
    /// </summary>
    public static async Task<IResult> CancelAsync(Volume volume, ApiRequest req, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_admin_actions:migrate_volume_cancel");
        // Past switch-over (completing) there is nothing left to undo.
        volume.RequestMigrationCancel(now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var flagged = await UnfinishedMigrations(db, volume.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), ct);
        if (flagged == 0) throw new InvalidVolumeStateException($"Volume {volume.Id} has no migration that can be cancelled.");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return Results.StatusCode(202);
    }

    private static IQueryable<Job> UnfinishedMigrations(BlockStoreDbContext db, Guid volumeId) =>
        db.Jobs.Where(j => j.VolumeId == volumeId && j.Kind == MigrationPlan.Kind && (j.State == JobState.Pending || j.State == JobState.Running));

    /// <summary>Cinder's <c>host@backend#pool</c>, or just the backend name.</summary>
    public static string BackendOfHost(string host)
    {
        var at = host.IndexOf('@', StringComparison.Ordinal);
        var backend = at < 0 ? host : host[(at + 1)..];
        var hash = backend.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? backend : backend[..hash];
    }

    /// <summary>
    /// The volume's guarded transition, the job and its first step commit together. <paramref name="multiattach"/> is
    /// what the volume is after the switch-over.
    /// </summary>
    private static async Task StartAsync(Volume volume, string backend, Guid? newTypeId, bool multiattach, bool forceHostCopy,
        BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        var hasSnapshots = await db.Snapshots.AnyAsync(s => s.VolumeId == volume.Id && !s.Hidden, ct);
        await SnapshotManageApi.RequireNoForeignSnapshotsAsync(db, volume.Id, ct);
        var source = volume.Backend;
        volume.BeginMigration(backend, retype: newTypeId is not null, hasSnapshots, now);
        // A job outlives its volume's migration status: after the switch-over it still removes the old copy, and after
        // an administrator's reset it still has to notice and remove its destination. Two jobs on one volume could
        // each remove what the other made the volume's home.
        if (await UnfinishedMigrations(db, volume.Id).AnyAsync(ct))
            throw new InvalidVolumeStateException(
                $"Volume {volume.Id} has an earlier migration that is still finishing (removing a copy it made or left); try again in a few minutes.");
        var job = Job.Start(MigrationPlan.Kind, volume.Id, volume.ProjectId, now, new MigrationPlan(source, backend, newTypeId, forceHostCopy, Multiattach: multiattach).ToJson());
        db.Jobs.Add(job);
        db.Enqueue(new MigrateVolume(job.Id, volume.Id), now);
        await db.SaveChangesAsync(ct);
    }
}
