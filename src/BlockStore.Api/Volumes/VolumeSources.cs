using BlockStore.Api.Images;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Volumes;

/// <summary>Where a new volume comes from: nothing, a snapshot, another volume or an image; and so its type, backend and least size.</summary>
/// <param name="Bootable">A clone's source volume (a snapshot's, for a snapshot) is bootable: so is the clone.</param>
/// <param name="ImageMetadata">The image record a clone carries along: its source volume's, or the snapshot's copy.</param>
public sealed record VolumeSource(VolumeType Type, string Backend, int Size, Guid? SnapshotId, Guid? SourceVolumeId, Image? Image = null,
    bool Bootable = false, IReadOnlyDictionary<string, string>? ImageMetadata = null);

public static class VolumeSources
{
    public static async Task<VolumeSource> ResolveAsync(BlockStoreDbContext db, ApiRequest req, CreateVolumeRequest r,
        BackendCatalog catalog, CancellationToken ct)
    {
        Volume? parent = null;
        Guid? snapshotId = null;
        Dictionary<string, string>? imageMetadata = null;
        var size = 0;
        if (r.SnapshotId is not null)
        {
            var id = Guid.Parse(r.SnapshotId);
            var snapshot = await db.Snapshots.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && !s.Hidden, ct);
            if (snapshot is null || !req.Caller.CanSee(snapshot.ProjectId)) throw ResourceNotFoundException.Snapshot(r.SnapshotId);
            if (snapshot.Status != SnapshotStatus.Available)
                throw new InvalidSnapshotStateException("Originating snapshot status must be one of 'available' values");
            parent = await db.Volumes.AsNoTracking().FirstAsync(v => v.Id == snapshot.VolumeId, ct);
            snapshotId = snapshot.Id;
            imageMetadata = snapshot.ImageMetadata;
            size = snapshot.Size;
        }
        else if (r.SourceVolid is not null)
        {
            parent = await VolumeLookup.FindAsync(db, req, r.SourceVolid, ct);
            parent.RequireUsableAsSource();
            catalog.RequireSnapshots(parent);
            imageMetadata = parent.ImageMetadata;
            size = parent.Size;
        }

        var type = r.VolumeType is null && parent is not null
            ? await VolumeLookup.FindTypeAsync(db, parent.VolumeTypeId.ToString(), namedBy: null, ct)
            : await VolumeLookup.FindTypeAsync(db, r.VolumeType, req, ct);
        var backend = VolumeLookup.BackendFor(type, catalog);
        if (r.EffectiveImage is { } imageRef)
        {
            var image = await ImageSources.FindActiveAsync(db, req, imageRef, ct);
            if (r.Size is { } asked) ImageSources.RequireFits(image, asked);
            return new VolumeSource(type, backend, ImageSources.LeastSizeGb(image), null, null, image);
        }
        if (parent is not null && parent.Backend != backend)
            throw new InvalidRequestException(
                $"Invalid input received: a clone must stay on its source's backend '{parent.Backend}'; type {type.Name} selects '{backend}'. Create it there and retype it.");
        // Whether a snapshot's clone boots follows its volume as it is now, as in Cinder; the image record is the snapshot's.
        return new VolumeSource(type, backend, size, snapshotId, r.SourceVolid is null ? null : parent!.Id,
            Bootable: parent?.Bootable ?? false, ImageMetadata: imageMetadata);
    }

    /// <summary>
    /// In the create's transaction: the snapshot or volume the clone will hang from can still be cloned, and stays so
    /// until the commit. Its row is held shared, which a delete's lock waits for (see <c>SnapshotsApi.Delete</c> and
    /// <c>VolumesApi.Delete</c>), so a create and a delete of its source never both go through.
    /// </summary>
    public static async Task HoldAsync(BlockStoreDbContext db, VolumeSource source, CancellationToken ct)
    {
        if (source.SnapshotId is { } snapshotId && !await db.Database.SqlQuery<Guid>(
                $"SELECT id AS \"Value\" FROM blockstore.snapshots WHERE id = {snapshotId} AND status = 'available' AND NOT hidden FOR SHARE").AnyAsync(ct))
            throw new InvalidSnapshotStateException("Originating snapshot status must be one of 'available' values");
        if (source.SourceVolumeId is { } sourceId && !await db.Database.SqlQuery<Guid>(
                $"SELECT id AS \"Value\" FROM blockstore.volumes WHERE id = {sourceId} AND status IN ('available', 'in-use') FOR SHARE").AnyAsync(ct))
            throw new InvalidVolumeStateException($"Volume {sourceId} is no longer available or in-use, so it cannot be cloned.");
    }
}
