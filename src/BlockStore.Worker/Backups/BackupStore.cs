using BlockStore.Core.Backups;
using BlockStore.Storage.Backends;

namespace BlockStore.Worker.Backups;

/// <summary>
/// Where backups are kept (configuration section <c>Backups</c>, shaped like a backend: <c>Driver</c> <c>rbd</c> with a
/// <c>Pool</c>, or <c>file</c> with a <c>Path</c>), each under <see cref="Backup.StoreName"/>. Without the section the
/// worker runs no backup service, and the API refuses backups as Cinder does when none runs.
/// </summary>
public sealed class BackupStore(IVolumeBackend? backend, string? container)
{
    /// <summary>The store, or null when none is configured.</summary>
    public IVolumeBackend? Backend => backend;

    /// <summary>Cinder's <c>container</c> of every backup: the pool or folder the store keeps them in.</summary>
    public string Container => container ?? throw NotConfigured();

    /// <summary>The store, for work on backups that exist: a worker without one cannot do it.</summary>
    public IVolumeBackend Require() => backend ?? throw NotConfigured();

    private static InvalidOperationException NotConfigured() =>
        new("This worker has no backup store (configuration section Backups); backups are made and restored by workers that do.");
}
