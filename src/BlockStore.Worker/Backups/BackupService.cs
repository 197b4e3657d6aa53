using BlockStore.Contracts;
using BlockStore.Core.Backups;
using BlockStore.Core.Data;
using BlockStore.Core.Messages;
using BlockStore.Core.Quotas;
using BlockStore.Worker.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Backups;

/// <summary>Removes backups: their data from the store, then the row and its quota, in one commit.</summary>
public sealed partial class BackupService(BlockStoreDbContext db, BackupStore store, QuotaService quotas, Failures failures, TimeProvider clock,
    ILogger<BackupService> logger)
{
    /// <summary>A backup in <c>deleting</c>; anything else (done already, or reset) is left as it is, so a redelivery is harmless.</summary>
    public async Task DeleteAsync(Guid backupId, CancellationToken ct)
    {
        var backup = await db.Backups.FirstOrDefaultAsync(b => b.Id == backupId, ct);
        if (backup?.Status != BackupStatus.Deleting) return;
        try
        {
            await store.Require().DeleteAsync(backup.StoreName, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, backup.Id);
            backup.FailDeletion(clock.GetUtcNow().UtcDateTime);
            failures.Record(backup.ProjectId, "VOLUME_BACKUP", backup.Id, "backup_delete", UserMessageEvents.BackupDeleteFailed,
                $"Backup {backup.Id} could not be deleted. {Failures.Reason(ex)}");
            await db.SaveChangesAsync(ct);
            return;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // As the row was read: a reset that came meanwhile wins, and the next delete finds the data gone already.
        if (await db.Backups.Where(b => b.Id == backup.Id && b.Version == backup.Version).ExecuteDeleteAsync(ct) == 0) return;
        await quotas.ReleaseBackupAsync(backup.ProjectId, backup.Size, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        db.Enqueue(new BackupDeleted(backup.Id, backup.VolumeId, backup.ProjectId, now), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        LogDeleted(backup.Id);
    }

    [LoggerMessage(LogLevel.Information, "Backup {BackupId} deleted")]
    private partial void LogDeleted(Guid backupId);

    [LoggerMessage(LogLevel.Warning, "Backup {BackupId} could not be deleted")]
    private partial void LogFailed(Exception ex, Guid backupId);
}
