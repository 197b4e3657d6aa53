using BlockStore.Contracts;
using MassTransit;

namespace BlockStore.Worker.Snapshots;

public sealed class CreateSnapshotConsumer(SnapshotService snapshots) : IConsumer<CreateSnapshot>
{
    public Task Consume(ConsumeContext<CreateSnapshot> context) => snapshots.CreateAsync(context.Message.SnapshotId, context.CancellationToken);
}

public sealed class DeleteSnapshotConsumer(SnapshotService snapshots) : IConsumer<DeleteSnapshot>
{
    public Task Consume(ConsumeContext<DeleteSnapshot> context) => snapshots.DeleteAsync(context.Message.SnapshotId, context.CancellationToken);
}

public sealed class UnmanageSnapshotConsumer(SnapshotService snapshots) : IConsumer<UnmanageSnapshot>
{
    public Task Consume(ConsumeContext<UnmanageSnapshot> context) => snapshots.UnmanageAsync(context.Message.SnapshotId, context.CancellationToken);
}
