using BlockStore.Core.Data;
using BlockStore.Core.Health;
using BlockStore.Core.Logging;
using BlockStore.Core.Messaging;
using BlockStore.Core.Quotas;
using BlockStore.Core.Services;
using BlockStore.Storage.Backends;
using BlockStore.Worker.Backups;
using BlockStore.Worker.Hosting;
using BlockStore.Worker.Images;
using BlockStore.Worker.Reconciliation;
using BlockStore.Worker.Snapshots;
using BlockStore.Worker.Volumes;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
RuntimeLogLevels.AddTo(builder);
// SIGTERM stops consuming, lets running operations finish, then exits.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

ConsumerSetup.ReserveBackendThreads(builder.Configuration);

var services = builder.Services;
services.AddBlockStoreDb(builder.Configuration);
services.AddVolumeBackends(builder.Configuration);
services.Configure<QuotaOptions>(builder.Configuration.GetSection("Quotas"));
services.Configure<ReconcilerOptions>(builder.Configuration.GetSection("Reconciler"));
services.AddOptions<MigrationOptions>().Bind(builder.Configuration.GetSection("Migration"))
    .Validate(MigrationOptions.IsValid, MigrationOptions.ValidRanges).ValidateOnStart();
services.AddSingleton(TimeProvider.System);
services.AddScoped<QuotaService>();
services.AddScoped<Failures>();
services.AddScoped<VolumeService>();
services.AddSingleton<BackendGate>();
services.AddScoped<SnapshotService>();
services.AddScoped<FlattenJob>();
services.AddScoped<MigrationJob>();
services.AddScoped<BackupJob>();
services.AddScoped<BackupService>();
services.AddScoped<ImageService>();
services.AddScoped<ImageReconciler>();
services.AddBlockStoreBus(builder.Configuration, bus => bus.AddWorkerConsumers(builder.Configuration));
services.AddSingleton<CephHealthCheck>(); // one probe in flight at a time (see the class)
services.AddBlockStoreDependencyChecks().AddBusCheck().AddCheck<CephHealthCheck>("ceph", tags: [DependencyChecks.Tag]);
services.AddHostedService<Reconciler>();
services.AddHostedService<ManageableScanner>();
services.AddHostedService<ReadinessLog>();
services.AddOptions<ServiceOptions>().Bind(builder.Configuration.GetSection("Services"))
    .Validate(ServiceOptions.IsValid, ServiceOptions.ValidRanges).ValidateOnStart();
services.AddHostedService<ServiceReporter>();

builder.Build().Run();
