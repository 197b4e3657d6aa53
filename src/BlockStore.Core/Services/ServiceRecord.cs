namespace BlockStore.Core.Services;

/// <summary>
/// A volume service, as Cinder's <c>os-services</c> lists it: one row per host and backend that workers serve
/// (<c>host@backend</c>, binary <c>cinder-volume</c>). Workers stamp it every <see cref="ServiceOptions.ReportInterval"/>
/// with what their last probe of the backend found; a row not stamped for <see cref="ServiceOptions.DownAfter"/> is down.
/// Workers that share <c>Volumes:Host</c> share its rows, as the members of a Cinder cluster do.
/// </summary>
public sealed class ServiceRecord
{
    /// <summary>Cinder's binary name for a volume service, which clients filter on.</summary>
    public const string VolumeBinary = "cinder-volume";

    /// <summary>
    /// Cinder's binary name for the backup service: one row per host whose workers keep a backup store (<c>Backups</c>),
    /// named by the host alone, as Cinder's backup services are. The API refuses backups while none is up.
    /// </summary>
    public const string BackupBinary = "cinder-backup";

    public string Host { get; set; } = "";
    public string Binary { get; set; } = VolumeBinary;
    public string Zone { get; set; } = "";
    /// <summary>Whether the backend answered the last probe.</summary>
    public bool BackendUp { get; set; }
    /// <summary>How much the backend holds in all, in bytes, as its last answered probe found it; null while it is down.</summary>
    public long? TotalBytes { get; set; }
    /// <summary>How much more the backend can take, in bytes, as its last answered probe found it; null while it is down.</summary>
    public long? FreeBytes { get; set; }
    /// <summary>
    /// RBD: the cluster's monitors (<c>host:port</c>, their v1 addresses, as Cinder's RBD driver gives them to
    /// consumers), from the last probe that could read the monitor map; null for other backends. Attachments'
    /// connection info names them, so the API needs no connection to Ceph of its own.
    /// </summary>
    public string[]? Monitors { get; set; }
    /// <summary>
    /// An admin took the service out of scheduling (<c>os-services/disable</c>): while every service of a backend is
    /// disabled, no new volume is placed on it. Heartbeats leave it as it is.
    /// </summary>
    public bool Disabled { get; set; }
    /// <summary>Why, as the admin gave it (<c>disable-log-reason</c>).</summary>
    public string? DisabledReason { get; set; }
    /// <summary>
    /// The log levels of the worker that stamped the row last, logger category → Cinder's level name, as a JSON object
    /// (<c>os-services/get-log</c>); null until a worker that reports them has stamped it.
    /// </summary>
    public string? LogLevels { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>The last heartbeat.</summary>
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// Whether a worker stamped the row within <paramref name="downAfter"/> of <paramref name="now"/>; a backup service also
    /// needs its store to answer, since it has no <c>backend_state</c> to show it by and cannot work without it.
    /// </summary>
    public bool IsUp(DateTime now, TimeSpan downAfter) => UpdatedAt >= FreshSince(now, downAfter) && (Binary != BackupBinary || BackendUp);

    /// <summary>The backend the service serves: the part of <see cref="Host"/> after its <c>@</c>.</summary>
    public string Backend => Host[(Host.IndexOf('@', StringComparison.Ordinal) + 1)..];

    /// <summary>The oldest stamp of a service still up at <paramref name="now"/>; queries compare <see cref="UpdatedAt"/> with it.</summary>
    public static DateTime FreshSince(DateTime now, TimeSpan downAfter) => now - downAfter;
}
