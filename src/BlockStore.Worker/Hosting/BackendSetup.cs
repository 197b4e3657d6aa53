using BlockStore.Core.Backups;
using BlockStore.Core.Volumes;
using BlockStore.Worker.Backups;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Files;
using BlockStore.Storage.Images;
using Microsoft.Extensions.Options;

namespace BlockStore.Worker.Hosting;

public static class BackendSetup
{
    /// <summary>One <see cref="IVolumeBackend"/> per entry of <c>Backends</c>, sharing one Ceph connection.</summary>
    public static IServiceCollection AddVolumeBackends(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CephOptions>(configuration.GetSection("Ceph"));
        services.Configure<BackendCatalog>(configuration.GetSection("Volumes"));
        services.Configure<BackendCatalog>(c => configuration.GetSection("Backends").Bind(c.Backends));
        services.AddSingleton<CephConnection>();
        services.Configure<ImageOptions>(configuration.GetSection("Images"));
        services.AddSingleton<ImagePool>();
        services.AddSingleton(sp =>
        {
            var catalog = sp.GetRequiredService<IOptions<BackendCatalog>>().Value;
            var ceph = sp.GetRequiredService<CephConnection>();
            return new VolumeBackends(catalog.Backends.Select(b => Create($"Backends:{b.Key}", b.Key, b.Value, ceph)));
        });
        services.AddSingleton(sp => CreateBackupStore(configuration.GetSection(BackupsSection),
            sp.GetRequiredService<IOptions<BackendCatalog>>().Value, sp.GetRequiredService<CephConnection>()));
        return services;
    }

    public const string BackupsSection = "Backups";

    /// <summary>Whether the configuration gives this worker a backup store, and with it a backup service.</summary>
    public static bool HasBackupStore(IConfiguration configuration) => configuration.GetSection(BackupsSection).Exists();

    /// <summary>
    /// The backup store, kept apart from every volume backend's pool or folder: there its backups would be offered to
    /// <c>os-volume-manage</c> as storage BlockStore does not own.
    /// </summary>
    private static BackupStore CreateBackupStore(IConfigurationSection section, BackendCatalog catalog, CephConnection ceph)
    {
        if (!section.Exists()) return new BackupStore(null, null);
        var config = section.Get<BackendConfig>() ?? new BackendConfig();
        var container = config.Location;
        if (catalog.Backends.FirstOrDefault(b => b.Value.Driver == config.Driver && b.Value.Location == container) is { Key: { } shared })
            throw new InvalidOperationException($"{BackupsSection} shares its {(config.Driver == "rbd" ? "pool" : "path")} with backend '{shared}'; give backups one of their own.");
        return new BackupStore(Create(BackupsSection, "backups", config, ceph, Backup.StorePrefix), container);
    }

    private static IVolumeBackend Create(string section, string name, BackendConfig config, CephConnection ceph, string filePrefix = "volume-") => config.Driver switch
    {
        "rbd" => new RbdVolumeBackend(name, config.Pool ?? throw new InvalidOperationException($"{section}:Pool is not set."), ceph, config.BusyGrace),
        "file" => new FileVolumeBackend(name, new FileVolumeStore(config.Path ?? throw new InvalidOperationException($"{section}:Path is not set."), filePrefix)),
        _ => throw new InvalidOperationException($"{section}:Driver is '{config.Driver}'; it must be 'rbd' or 'file'."),
    };
}
