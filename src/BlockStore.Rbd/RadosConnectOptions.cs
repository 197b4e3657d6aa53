namespace BlockStore.Rbd;

/// <summary>
/// How <see cref="RadosCluster.ConnectAsync"/> reaches the cluster: either through a conf file
/// (<see cref="ConfFile"/>, plus <see cref="Keyring"/> when the conf does not name one) or with no
/// conf file at all (<see cref="MonHost"/> plus <see cref="Key"/> or <see cref="Keyring"/>).
/// Settings given here override the conf file.
/// </summary>
public sealed class RadosConnectOptions
{
    /// <summary>
    /// The cephx user, without the <c>client.</c> prefix (e.g. <c>blockstore</c>). A value that already
    /// starts with <c>client.</c> is used as is.
    /// </summary>
    public required string User { get; init; }

    /// <summary>The cluster name used for <c>$cluster</c> expansion in conf paths. Defaults to <c>ceph</c>.</summary>
    public string ClusterName { get; init; } = "ceph";

    /// <summary>Path of a ceph.conf to read; null to read none.</summary>
    public string? ConfFile { get; init; }

    /// <summary>Path of a keyring file holding the user's secret.</summary>
    public string? Keyring { get; init; }

    /// <summary>Monitor addresses (the <c>mon_host</c> setting), e.g. <c>[v2:127.0.0.1:3300,v1:127.0.0.1:6789]</c>.</summary>
    public string? MonHost { get; init; }

    /// <summary>The user's base64 cephx secret (the <c>key</c> setting), as an alternative to a keyring file.</summary>
    public string? Key { get; init; }

    /// <summary>How long connecting may take (<c>client_mount_timeout</c>). Librados defaults to 300 s.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Timeout of monitor requests (<c>rados_mon_op_timeout</c>); unset means wait forever.</summary>
    public TimeSpan? MonOperationTimeout { get; init; }

    /// <summary>Timeout of OSD requests, i.e. image I/O (<c>rados_osd_op_timeout</c>); unset means wait forever.</summary>
    public TimeSpan? OsdOperationTimeout { get; init; }

    /// <summary>Further librados settings applied with <c>rados_conf_set</c> after everything above.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>The full entity name, <c>client.&lt;user&gt;</c>.</summary>
    public string ClientName => User.StartsWith("client.", StringComparison.Ordinal) ? User : "client." + User;
}
