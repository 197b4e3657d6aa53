using BlockStore.Contracts;
using MassTransit;

namespace BlockStore.Worker.Volumes;

// Thin consumers: each hands its message to the service that does the work. Redelivery is safe because
// the services start from the row's status.

public sealed class CreateVolumeConsumer(VolumeService volumes) : IConsumer<CreateVolume>
{
    public Task Consume(ConsumeContext<CreateVolume> context) => volumes.CreateAsync(context.Message.VolumeId, context.CancellationToken);
}

public sealed class DeleteVolumeConsumer(VolumeService volumes) : IConsumer<DeleteVolume>
{
    public Task Consume(ConsumeContext<DeleteVolume> context) => volumes.DeleteAsync(context.Message.VolumeId, context.CancellationToken);
}

public sealed class UnmanageVolumeConsumer(VolumeService volumes) : IConsumer<UnmanageVolume>
{
    public Task Consume(ConsumeContext<UnmanageVolume> context) => volumes.UnmanageAsync(context.Message.VolumeId, context.CancellationToken);
}

public sealed class ExtendVolumeConsumer(VolumeService volumes) : IConsumer<ExtendVolume>
{
    public Task Consume(ConsumeContext<ExtendVolume> context) =>
        volumes.ExtendAsync(context.Message.VolumeId, context.Message.NewSizeGb, context.CancellationToken);
}

public sealed class RevertVolumeConsumer(VolumeService volumes) : IConsumer<RevertVolume>
{
    public Task Consume(ConsumeContext<RevertVolume> context) =>
        volumes.RevertAsync(context.Message.VolumeId, context.Message.SnapshotId, context.CancellationToken);
}

public sealed class RetypeVolumeConsumer(VolumeService volumes) : IConsumer<RetypeVolume>
{
    public Task Consume(ConsumeContext<RetypeVolume> context) => volumes.RetypeAsync(context.Message.VolumeId, context.CancellationToken);
}

public sealed class ReimageVolumeConsumer(VolumeService volumes) : IConsumer<ReimageVolume>
{
    public Task Consume(ConsumeContext<ReimageVolume> context) =>
        volumes.ReimageAsync(context.Message.VolumeId, context.Message.ImageId, context.CancellationToken);
}

public sealed class FlattenVolumeConsumer(FlattenJob flatten) : IConsumer<FlattenVolume>
{
    public Task Consume(ConsumeContext<FlattenVolume> context) => flatten.RunAsync(context.Message.JobId, context.CancellationToken);
}

public sealed class MigrateVolumeConsumer(MigrationJob migration) : IConsumer<MigrateVolume>
{
    public Task Consume(ConsumeContext<MigrateVolume> context) => migration.RunStepAsync(context.Message.JobId, context.CancellationToken);
}
