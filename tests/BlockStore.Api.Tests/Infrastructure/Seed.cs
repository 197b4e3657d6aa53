using BlockStore.Core.Backups;
using BlockStore.Core.Images;
using BlockStore.Core.Messages;
using BlockStore.Core.Services;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>
/// Rows written straight through the DbContext and the entities' own methods: no worker runs in these
/// tests, so this is how a volume becomes <c>available</c> quickly.
/// </summary>
public static class Seed
{
    /// <summary>Now, at the microsecond precision PostgreSQL keeps.</summary>
    public static DateTime Now() => Truncate(DateTime.UtcNow);

    public static DateTime Truncate(DateTime t) => new(t.Ticks - t.Ticks % 10, DateTimeKind.Utc);

    public static Volume NewVolume(this ApiHost host, string project, VolumeStatus status = VolumeStatus.Available, int size = 1,
        string? name = null, DateTime? createdAt = null, string backend = "ceph")
    {
        var at = createdAt ?? Now();
        var volume = Volume.Create(project, "seeder", size, name, null, host.DefaultTypeId, backend, "nova", null, null, null, at);
        if (status != VolumeStatus.Creating) volume.ResetStatus(status, null, false, at);
        return volume;
    }

    public static async Task<Volume> VolumeAsync(this ApiHost host, string project, VolumeStatus status = VolumeStatus.Available,
        int size = 1, string? name = null, string backend = "ceph")
    {
        var volume = host.NewVolume(project, status, size, name, backend: backend);
        await using var db = host.NewDb();
        db.Volumes.Add(volume);
        await db.SaveChangesAsync();
        return volume;
    }

    public static async Task<Snapshot> SnapshotAsync(this ApiHost host, Volume volume, SnapshotStatus status = SnapshotStatus.Available,
        string? name = null)
    {
        var snapshot = Snapshot.Create(volume, "seeder", name, null, null, Now());
        if (status != SnapshotStatus.Creating) snapshot.ResetStatus(status, Now());
        await using var db = host.NewDb();
        db.Snapshots.Add(snapshot);
        await db.SaveChangesAsync();
        return snapshot;
    }

    /// <summary>
    /// A backup row of <paramref name="volume"/>, made and then moved to <paramref name="status"/> as a worker or a reset would;
    /// no data is stored for it, since no worker runs here.
    /// </summary>
    public static async Task<Backup> BackupAsync(this ApiHost host, Volume volume, BackupStatus status = BackupStatus.Available, string? name = null,
        int? size = null)
    {
        var backup = Backup.Create(volume, null, "seeder", name, null, null, Now());
        if (status != BackupStatus.Creating) backup.Complete(0, Now());
        if (status == BackupStatus.Error) backup.Fail("seeded", Now());
        if (status == BackupStatus.Deleting) backup.BeginDeletion(force: false, Now());
        if (status == BackupStatus.Restoring) backup.BeginRestore(volume.Id, Now());
        await using var db = host.NewDb();
        db.Backups.Add(backup);
        await db.SaveChangesAsync();
        if (size is { } gb) await db.Backups.Where(b => b.Id == backup.Id).ExecuteUpdateAsync(u => u.SetProperty(b => b.Size, gb));
        return backup;
    }

    /// <summary>Stamps a backup service, up now, as a worker with a backup store does: backups are accepted while it stays up.</summary>
    public static async Task ReportBackupServiceAsync(this ApiHost host)
    {
        await using var db = host.NewDb();
        await ServiceRegistry.StampBackupAsync(db, "api-tests", "nova", new BackendReport(true, 1, 1), DateTime.UtcNow, CancellationToken.None);
    }

    /// <summary>An active image row without data: enough for the API's checks, since no worker runs here.</summary>
    public static async Task<Image> ActiveImageAsync(this ApiHost host, string project, long virtualSize, int minDisk = 0,
        ImageVisibility visibility = ImageVisibility.Private, string diskFormat = "raw")
    {
        var image = Image.Create(project, $"named-{Guid.NewGuid():N}", diskFormat, "bare", visibility, false, minDisk, 0, null, Now());
        image.BeginUpload(Now());
        image.Activate(virtualSize, virtualSize, "0123", "4567", Now());
        await using var db = host.NewDb();
        db.Images.Add(image);
        await db.SaveChangesAsync();
        return image;
    }

    public static async Task<UserMessage> MessageAsync(this ApiHost host, string project, Guid resource)
    {
        var message = UserMessage.Error(project, "VOLUME", resource, UserMessageEvents.VolumeCreateFailed,
            "create volume:The volume could not be created.", $"req-{Guid.NewGuid()}", Now(), TimeSpan.FromDays(30));
        await using var db = host.NewDb();
        db.UserMessages.Add(message);
        await db.SaveChangesAsync();
        return message;
    }

    /// <summary>
    /// The monitors every test reports for the shared <c>ceph</c> service row: tests run in parallel, so they must all
    /// write the same value.
    /// </summary>
    public static readonly string[] Monitors = ["10.0.0.1:6789", "[fd00::2]:6789"];

    /// <summary>Stamps the backend's volume service row with these monitors, as the worker's reporter does.</summary>
    public static async Task ReportMonitorsAsync(this ApiHost host, string backend, string[]? monitors)
    {
        var serviceHost = host.Services.GetRequiredService<IOptions<BackendCatalog>>().Value.Host;
        await using var db = host.NewDb();
        await ServiceRegistry.StampAsync(db, serviceHost, "nova", new Dictionary<string, BackendReport> { [backend] = new(true, 1, 1, monitors) },
            DateTime.UtcNow, CancellationToken.None);
    }

    /// <summary>Sets a volume's status as an operator's reset would, outside any request.</summary>
    public static async Task SetStatusAsync(this ApiHost host, Guid volumeId, VolumeStatus status)
    {
        await using var db = host.NewDb();
        var volume = await db.Volumes.SingleAsync(v => v.Id == volumeId);
        volume.ResetStatus(status, null, false, Now());
        await db.SaveChangesAsync();
    }

    /// <summary>Sets a snapshot's status as a worker would, outside any request.</summary>
    public static async Task SetSnapshotStatusAsync(this ApiHost host, Guid snapshotId, SnapshotStatus status)
    {
        await using var db = host.NewDb();
        var snapshot = await db.Snapshots.SingleAsync(s => s.Id == snapshotId);
        snapshot.ResetStatus(status, Now());
        await db.SaveChangesAsync();
    }

    public static async Task<int> VolumeCountAsync(this ApiHost host, string project)
    {
        await using var db = host.NewDb();
        return await db.Volumes.CountAsync(v => v.ProjectId == project);
    }

    /// <summary>The usage counter of one resource (0 when the project never charged it).</summary>
    public static async Task<long> UsageAsync(this ApiHost host, string project, string resource)
    {
        await using var db = host.NewDb();
        return await db.QuotaUsages.Where(u => u.ProjectId == project && u.Resource == resource).Select(u => u.InUse).FirstOrDefaultAsync();
    }

    /// <summary>A volume service's row, stamped at <paramref name="stamped"/> as a worker's heartbeat stamps it.</summary>
    public static ServiceRecord Service(string host, bool backendUp, DateTime stamped, long? totalBytes = null, long? freeBytes = null) =>
        new() { Host = host, Zone = "nova", BackendUp = backendUp, TotalBytes = totalBytes, FreeBytes = freeBytes, CreatedAt = stamped, UpdatedAt = stamped };

    public static async Task ServicesAsync(this ApiHost host, params ServiceRecord[] rows)
    {
        await using var db = host.NewDb();
        db.Services.AddRange(rows);
        await db.SaveChangesAsync();
    }
}
