using BlockStore.Worker.Backups;
using BlockStore.Worker.Images;
using BlockStore.Worker.Snapshots;
using BlockStore.Worker.Volumes;
using MassTransit;

namespace BlockStore.Worker.Hosting;

public static class ConsumerSetup
{
    /// <summary>
    /// Every consumer, with in-process retry for transient faults (the broker has no delayed exchange here)
    /// and a concurrency limit (<c>Worker:Concurrency</c>) that keeps many backend calls in flight at once.
    /// </summary>
    /// <summary>How many messages each endpoint handles at once (<c>Worker:Concurrency</c>).</summary>
    public static int Concurrency(IConfiguration configuration) => configuration.GetValue("Worker:Concurrency", 32);

    /// <summary>
    /// librbd calls are synchronous: each backend call in flight holds a pool thread. Without enough threads up
    /// front the pool grows by about one thread per second under a burst, and creates crawl (measured: docs/benchmarks.md).
    /// </summary>
    public static void ReserveBackendThreads(IConfiguration configuration)
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, Concurrency(configuration) * 2 + Environment.ProcessorCount), io);
    }

    public static void AddWorkerConsumers(this IBusRegistrationConfigurator bus, IConfiguration configuration)
    {
        var concurrency = Concurrency(configuration);
        void Configure(IReceiveEndpointConfigurator e)
        {
            e.UseMessageRetry(r => r.Intervals(200, 1000, 5000));
            e.ConcurrentMessageLimit = concurrency;
            if (e is MassTransit.IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = (ushort)(concurrency * 2);
        }
        bus.AddConsumer<CreateVolumeConsumer>();
        bus.AddConsumer<DeleteVolumeConsumer>();
        bus.AddConsumer<UnmanageVolumeConsumer>();
        bus.AddConsumer<ExtendVolumeConsumer>();
        bus.AddConsumer<RevertVolumeConsumer>();
        bus.AddConsumer<RetypeVolumeConsumer>();
        bus.AddConsumer<ReimageVolumeConsumer>();
        bus.AddConsumer<CreateSnapshotConsumer>();
        bus.AddConsumer<DeleteSnapshotConsumer>();
        bus.AddConsumer<UnmanageSnapshotConsumer>();
        bus.AddConsumer<FlattenVolumeConsumer>();
        bus.AddConsumer<MigrateVolumeConsumer>();
        bus.AddConsumer<DeleteImageConsumer>();
        bus.AddConsumer<UploadVolumeToImageConsumer>();
        // Workers without a backup store leave backups to those with one.
        if (BackendSetup.HasBackupStore(configuration))
        {
            bus.AddConsumer<BackupVolumeConsumer>();
            bus.AddConsumer<RestoreBackupConsumer>();
            bus.AddConsumer<DeleteBackupConsumer>();
        }
        bus.AddConfigureEndpointsCallback((_, _, cfg) => Configure(cfg));
    }
}
