namespace BlockStore.Storage.Backends;

/// <summary>Configuration section <c>Ceph</c>: how the service reaches the cluster, as its own restricted client.</summary>
public sealed class CephOptions
{
    /// <summary>The cephx id without <c>client.</c>, e.g. <c>blockstore</c>.</summary>
    public string User { get; set; } = "blockstore";
    /// <summary>A client configuration file; optional when <see cref="MonHost"/> and <see cref="Key"/> are set.</summary>
    public string? ConfFile { get; set; }
    /// <summary>Path of the keyring holding <see cref="User"/>'s key.</summary>
    public string? Keyring { get; set; }
    /// <summary>Monitor addresses, as <c>mon_host</c> takes them.</summary>
    public string? MonHost { get; set; }
    /// <summary>The base64 cephx secret, for a connection without files.</summary>
    public string? Key { get; set; }
    /// <summary>Bounds every monitor and OSD operation, so that a cluster outage fails requests instead of hanging them.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>The pool the readiness check stats its probe object in.</summary>
    public string ProbePool { get; set; } = "volumes";
    /// <summary>Further client settings (<c>Ceph__Settings__rbd_cache=false</c>), applied before connecting.</summary>
    public Dictionary<string, string> Settings { get; set; } = [];
}
