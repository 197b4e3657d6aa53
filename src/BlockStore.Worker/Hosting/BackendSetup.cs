using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
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
            return new VolumeBackends(catalog.Backends
                .Where(b => b.Value.Driver == "rbd")
                .Select(b => (IVolumeBackend)new RbdVolumeBackend(b.Key, b.Value.Pool ?? throw new InvalidOperationException($"Backends:{b.Key}:Pool is not set."), ceph)));
        });
        return services;
    }
}
