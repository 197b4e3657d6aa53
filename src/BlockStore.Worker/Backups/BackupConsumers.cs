using BlockStore.Contracts;
using MassTransit;

namespace BlockStore.Worker.Backups;

// Thin consumers, registered only on workers with a backup store: each hands its message to the code that does the work.

public sealed class BackupVolumeConsumer(BackupJob backups) : IConsumer<BackupVolume>
{
    public Task Consume(ConsumeContext<BackupVolume> context) => backups.RunBackupStepAsync(context.Message.JobId, context.CancellationToken);
}

public sealed class RestoreBackupConsumer(BackupJob backups) : IConsumer<RestoreBackup>
{
    public Task Consume(ConsumeContext<RestoreBackup> context) => backups.RunRestoreStepAsync(context.Message.JobId, context.CancellationToken);
}

public sealed class DeleteBackupConsumer(BackupService backups) : IConsumer<DeleteBackup>
{
    public Task Consume(ConsumeContext<DeleteBackup> context) => backups.DeleteAsync(context.Message.BackupId, context.CancellationToken);
}
