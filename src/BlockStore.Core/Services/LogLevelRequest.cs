namespace BlockStore.Core.Services;

/// <summary>
/// A log level an admin set for a volume service (<c>os-services/set-log</c>): the workers that stamp the service's row
/// apply it at their next heartbeat, in the order of <see cref="Id"/>, and report their levels back in
/// <see cref="ServiceRecord.LogLevels"/>. A worker applies only those set since it started, as a restarted Cinder
/// service starts again from its configuration; rows older than <see cref="KeptFor"/> are removed.
/// </summary>
public sealed class LogLevelRequest
{
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(1);

    public long Id { get; set; }
    /// <summary>The service's host, <c>host@backend</c>.</summary>
    public string Host { get; set; } = "";
    public string Binary { get; set; } = ServiceRecord.VolumeBinary;
    /// <summary>The logger category prefix; empty for all.</summary>
    public string Prefix { get; set; } = "";
    /// <summary>One of Cinder's level names (<c>DEBUG</c>, <c>INFO</c>, <c>WARNING</c>, <c>ERROR</c>).</summary>
    public string Level { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}
