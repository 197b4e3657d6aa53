using BlockStore.Core.Data;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Volumes;

/// <summary>
/// Keeps <c>manageable_images</c>, from which the API answers the manageable lists: the storage each backend holds
/// under names that are not BlockStore's (<c>volume-&lt;id&gt;</c>). <see cref="ManageableScanner"/> replaces a backend's
/// rows on each scan; a manage or an unmanage changes the one row it concerns in its own commit, so the list follows at once.
/// </summary>
public static class ManageableInventory
{
    /// <summary>
    /// Replaces <paramref name="backend"/>'s rows with the storage among <paramref name="names"/> (a listing of the
    /// backend) that BlockStore does not name. Each is described; one that went away meanwhile is left out.
    /// </summary>
    /// <returns>How many images were recorded.</returns>
    public static async Task<int> RecordScanAsync(BlockStoreDbContext db, IVolumeBackend backend, IEnumerable<string> names, DateTime now,
        CancellationToken ct)
    {
        if (!backend.CanManageExisting) return 0;
        var found = new List<ManageableImage>();
        // A name longer than a volume may adopt (255) is left off: it could not be managed by that name anyway.
        foreach (var name in names.Where(n => Volume.IdOfImage(n) is null && n.Length <= 255))
        {
            try
            {
                if (await backend.DescribeAsync(name, ct) is { } stored) found.Add(Row(backend.Name, stored, now));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One image that cannot be opened (half made, being migrated by rbd) must not hide the others.
                found.Add(new ManageableImage(backend.Name, name, 0, 0, 0, null, now, ex.Message));
            }
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await LockAsync(db, backend.Name, ct);
        await db.ManageableImages.Where(i => i.Backend == backend.Name).ExecuteDeleteAsync(ct);
        db.ManageableImages.AddRange(found);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return found.Count;
    }

    /// <summary>
    /// Forgets the snapshots BlockStore does not manage that are gone from <paramref name="backend"/> (an administrator
    /// removed them with <c>rbd</c>), so that their volumes can be deleted again. Returns how many were forgotten.
    /// </summary>
    public static async Task<int> ForgetGoneSnapshotsAsync(BlockStoreDbContext db, IVolumeBackend backend, CancellationToken ct)
    {
        var recorded = await db.ForeignSnapshots.AsNoTracking().Where(f => f.Backend == backend.Name)
            .Select(f => new { f.VolumeId, f.Name }).ToListAsync(ct);
        var forgotten = 0;
        foreach (var volume in recorded.GroupBy(f => f.VolumeId, f => f.Name))
        {
            var present = (await backend.ListSnapshotsAsync(Volume.ImageNameOf(volume.Key), ct)).Select(s => s.Name).ToHashSet();
            var gone = volume.Where(n => !present.Contains(n)).ToList();
            if (gone.Count == 0) continue;
            forgotten += await db.ForeignSnapshots.Where(f => f.VolumeId == volume.Key && gone.Contains(f.Name)).ExecuteDeleteAsync(ct);
        }
        return forgotten;
    }

    /// <summary>In the caller's transaction: <paramref name="stored"/> is on the list now (it was just unmanaged).</summary>
    public static async Task AddAsync(BlockStoreDbContext db, string backend, StoredVolume stored, DateTime now, CancellationToken ct)
    {
        await LockAsync(db, backend, ct);
        if (!await db.ManageableImages.AnyAsync(i => i.Backend == backend && i.Name == stored.Name, ct))
            db.ManageableImages.Add(Row(backend, stored, now));
    }

    /// <summary>In the caller's unit of work: the storage named <paramref name="name"/> is a volume's now.</summary>
    public static async Task RemoveAsync(BlockStoreDbContext db, string backend, string name, CancellationToken ct)
    {
        if (await db.ManageableImages.FirstOrDefaultAsync(i => i.Backend == backend && i.Name == name, ct) is { } row)
            db.ManageableImages.Remove(row);
    }

    /// <summary>
    /// Writers of one backend's rows take turns, until their transaction ends: every worker scans, and two scans that
    /// replaced the rows at once would both insert the same keys.
    /// </summary>
    private static Task LockAsync(BlockStoreDbContext db, string backend, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext({"manageable_images:" + backend}))", ct);

    private static ManageableImage Row(string backend, StoredVolume stored, DateTime now) =>
        new(backend, stored.Name, stored.SizeBytes, stored.Watchers.Count, stored.Snapshots, stored.Parent, now);
}
