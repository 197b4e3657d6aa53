using BlockStore.Core.Types;

namespace BlockStore.Core.Volumes;

/// <summary>One configured backend (<c>Backends:&lt;name&gt;</c>).</summary>
public sealed class BackendConfig
{
    /// <summary><c>rbd</c> or <c>file</c>.</summary>
    public string Driver { get; set; } = "rbd";
    /// <summary>rbd: the pool that holds the volumes.</summary>
    public string? Pool { get; set; }
    /// <summary>rbd: how long a delete waits for other clients to close an image (a crashed client's watch lasts about 30 s); 45 s when unset.</summary>
    public TimeSpan? BusyGrace { get; set; }
    /// <summary>
    /// rbd: the uuid of the libvirt secret that holds the Ceph user's key on the hypervisors (Cinder's
    /// <c>rbd_secret_uuid</c>), given to consumers in the connection info; null when they have the key by other means.
    /// </summary>
    public string? SecretUuid { get; set; }
    /// <summary>file: the directory that holds the sparse volume files.</summary>
    public string? Path { get; set; }

    /// <summary>Where the backend keeps its data: the pool (rbd) or the directory (file).</summary>
    public string? Location => Driver == "rbd" ? Pool : Path;

    /// <summary>Snapshots and clones exist on RBD only; the file backend refuses them.</summary>
    public bool SupportsSnapshots => Driver == "rbd";

    /// <summary>Existing storage can be managed and a volume unmanaged on RBD only: a file backend names its files by volume id.</summary>
    public bool CanManageExisting => Driver == "rbd";

    /// <summary>
    /// Volumes can be attached to several consumers at once on RBD only (its images made shared by the worker); a file
    /// backend's volumes are plain files that no two hosts may write.
    /// </summary>
    public bool SupportsMultiattach => Driver == "rbd";

    /// <summary>
    /// Back-end QoS specs are applied on RBD only (librbd's per-image limits); a file backend has none, and keeps
    /// only the front-end specs, which the hypervisor applies.
    /// </summary>
    public bool SupportsBackEndQos => Driver == "rbd";
}

/// <summary>
/// Configuration root for backends: <c>Backends</c>, plus <c>Volumes:DefaultBackend</c>, <c>Volumes:Host</c> and
/// <c>Volumes:AvailabilityZone</c>.
/// </summary>
public sealed class BackendCatalog
{
    public Dictionary<string, BackendConfig> Backends { get; set; } = new(StringComparer.Ordinal);
    public string DefaultBackend { get; set; } = "ceph";
    /// <summary>The host part of Cinder's <c>host@backend#pool</c>.</summary>
    public string Host { get; set; } = Environment.MachineName;
    /// <summary>
    /// The one availability zone this deployment serves (Cinder's <c>storage_availability_zone</c>): every backend is in
    /// it, every new volume is placed in it, and a create that names another zone is refused.
    /// </summary>
    public string AvailabilityZone { get; set; } = "nova";

    public bool Exists(string name) => Backends.ContainsKey(name);

    public BackendConfig Get(string name) =>
        Backends.TryGetValue(name, out var b) ? b : throw new InvalidOperationException($"Backend '{name}' is not configured.");

    /// <summary>Refuses snapshots and clones of a volume on a backend without them, before anything is recorded.</summary>
    public void RequireSnapshots(Volume volume)
    {
        if (!Get(volume.Backend).SupportsSnapshots)
            throw new Errors.InvalidVolumeStateException(
                $"Volume {volume.Id} is on backend '{volume.Backend}', which keeps volumes as plain files and supports no snapshots or clones.");
    }

    /// <summary>Refuses a volume that would be multiattach on a backend without multiattach volumes, before anything is recorded.</summary>
    public void RequireMultiattach(string backend)
    {
        if (!Get(backend).SupportsMultiattach)
            throw new Errors.InvalidRequestException(
                $"Invalid input received: backend '{backend}' keeps volumes as plain files, which cannot be multiattach.");
    }

    /// <summary>
    /// The zone a new volume of <paramref name="type"/> goes in: this deployment's. Refused with Cinder's wording when
    /// the type's <see cref="VolumeType.AvailabilityZonesKey"/> leaves it out, or when <paramref name="requested"/>
    /// names another zone.
    /// </summary>
    public string PlaceIn(string? requested, VolumeType type)
    {
        if (type.AvailabilityZones is { } allowed && !allowed.Contains(AvailabilityZone, StringComparer.Ordinal))
            throw new Errors.InvalidRequestException(
                $"Volume type is only supported in these availability zones: [{string.Join(", ", allowed.Select(z => $"'{z}'"))}]");
        if (requested is not null && requested != AvailabilityZone)
            throw new Errors.InvalidRequestException($"Availability zone '{requested}' is invalid.");
        return AvailabilityZone;
    }

    /// <summary>Cinder's <c>os-vol-host-attr:host</c>: <c>host@backend#pool</c>.</summary>
    public string HostOf(string backend) => $"{Host}@{backend}#{PoolOf(backend)}";

    /// <summary>The pool part of <c>host@backend#pool</c>: an RBD backend's pool, or else its driver.</summary>
    public string PoolOf(string backend) => Backends.TryGetValue(backend, out var b) ? b.Pool ?? b.Driver : backend;
}
