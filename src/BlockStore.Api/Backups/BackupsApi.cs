using BlockStore.Api.Infrastructure;
using BlockStore.Api.Snapshots;
using BlockStore.Api.Volumes;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;

namespace BlockStore.Api.Backups;

/// <summary>
/// <c>…/backups</c>, as Cinder answers when no backup service runs: BlockStore has none, so the lists are empty, a backup
/// named is not found, and a create that passes Cinder's checks of its volume and snapshot is refused with Cinder's 503
/// <c>Service cinder-backup could not be found.</c> Clients and dashboards that list backups get an empty list, not an error.
/// </summary>
public static class BackupsApi
{
    public const string NoBackupService = "Service cinder-backup could not be found.";

    public static void MapBackupsApi(this RouteGroupBuilder v3)
    {
        var backups = v3.MapGroup("/backups").WithTags("Backups");
        backups.MapGet("", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "backups"));
        backups.MapGet("/detail", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "backups"));
        backups.MapGet("/{id}", (string id) => Missing(id));
        backups.MapDelete("/{id}", (string id, ApiRequest req) =>
        {
            req.Caller.RequireWrite("backup:delete");
            return Missing(id);
        });
        backups.MapPost("/{id}/restore", (string id, ApiRequest req) =>
        {
            req.Caller.RequireWrite("backup:restore");
            return Missing(id);
        });
        backups.MapPost("", CreateAsync);
    }

    private static IResult Missing(string id) => throw ResourceNotFoundException.Backup(id);

    /// <summary>Cinder's checks, in its order, then the refusal: nothing is written.</summary>
    private static async Task<IResult> CreateAsync(CreateBackupBody body, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireWrite("backup:create");
        var r = body.Backup!;
        var volume = await VolumeLookup.FindAsync(db, req, r.VolumeId!, ct);
        if (r.SnapshotId is not null)
        {
            var snapshot = await SnapshotsApi.FindAsync(db, req, r.SnapshotId, ct);
            if (snapshot.VolumeId != volume.Id)
                throw new InvalidVolumeStateException($"Volume {volume.Id} does not match with snapshot.volume_id {snapshot.VolumeId}.");
            if (snapshot.Status != SnapshotStatus.Available)
                throw new InvalidSnapshotStateException(
                    $"Snapshot to be backed up must be available, but the current status is \"{SnapshotView.Wire(snapshot.Status)}\".");
        }
        else if (volume.Status is not (VolumeStatus.Available or VolumeStatus.InUse))
        {
            throw new InvalidVolumeStateException(
                $"Volume to be backed up must be available or in-use, but the current status is \"{volume.Status.ToWire()}\".");
        }
        else if (volume.Status == VolumeStatus.InUse && r.Force != true)
        {
            throw new InvalidVolumeStateException("Backing up an in-use volume must use the force flag.");
        }
        throw new ServiceUnavailableException(NoBackupService);
    }
}
