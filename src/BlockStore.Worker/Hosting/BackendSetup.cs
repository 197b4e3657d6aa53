using BlockStore.Core.Volumes;
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
            return new VolumeBackends(catalog.Backends.Select(b => Create(b.Key, b.Value, ceph)));
        });
        return services;
    }

    private static IVolumeBackend Create(string name, BackendConfig config, CephConnection ceph) => config.Driver switch
    {
        "rbd" => new RbdVolumeBackend(name, config.Pool ?? throw new InvalidOperationException($"Backends:{name}:Pool is not set."), ceph, config.BusyGrace),
        "file" => new FileVolumeBackend(name, new FileVolumeStore(config.Path ?? throw new InvalidOperationException($"Backends:{name}:Path is not set."))),
        _ => throw new InvalidOperationException($"Backends:{name}:Driver is '{config.Driver}'; it must be 'rbd' or 'file'."),
    };
}
