namespace BlockStore.Core.Attachments;

/// <summary>Cinder's attachment statuses (<c>attach_status</c>), as the wire and the database carry them.</summary>
public static class AttachStatus
{
    public const string Reserved = "reserved";
    public const string Attaching = "attaching";
    public const string Attached = "attached";
}

/// <summary>
/// A volume attachment (Cinder's attachments API, 3.27): a consumer (a server, in Nova's terms the instance) reserves
/// the volume, gives its host's connector and gets the connection info, then marks the attachment complete. Deleting
/// it detaches the volume. The volume's own status follows its attachments (<see cref="Volumes.Volume"/>'s attach
/// transitions), in the same commit.
/// </summary>
public sealed class Attachment
{
    private Attachment() { }

    public Guid Id { get; private set; }
    public Guid VolumeId { get; private set; }
    /// <summary>The volume's project when the attachment was made; lists filter on it.</summary>
    public string ProjectId { get; private set; } = "";
    /// <summary>The consumer, Nova's server id; optional for other consumers.</summary>
    public Guid? InstanceId { get; private set; }
    /// <summary><see cref="AttachStatus"/>.</summary>
    public string Status { get; private set; } = AttachStatus.Reserved;
    /// <summary><c>rw</c> or <c>ro</c>; <c>null</c> (a string, as in Cinder) until the create or the connector says.</summary>
    public string AttachMode { get; private set; } = "null";
    /// <summary>The connector the consumer's host sent (os-brick's properties), as JSON.</summary>
    public string? Connector { get; private set; }
    /// <summary>What the consumer was told to connect with, as JSON; kept so that a show answers the same.</summary>
    public string? ConnectionInfo { get; private set; }
    /// <summary>The connector's <c>host</c>.</summary>
    public string? AttachedHost { get; private set; }
    /// <summary>The connector's <c>mountpoint</c> (the guest's device), <c>na</c> when it gave none.</summary>
    public string? Mountpoint { get; private set; }
    public DateTime? AttachedAt { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? UpdatedAt { get; private set; }
    public uint Version { get; private set; }

    public static Attachment Reserve(Guid volumeId, string projectId, Guid? instanceId, string? mode, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(now),
        VolumeId = volumeId,
        ProjectId = projectId,
        InstanceId = instanceId,
        AttachMode = mode ?? "null",
        CreatedAt = now,
    };

    /// <summary>
    /// <c>os-attach</c>, the flow before the attachments API: the consumer connected on its own (with
    /// <c>os-initialize_connection</c>) and records the attachment once it is done, so it is <c>attached</c> from the start,
    /// with no connector or connection info kept.
    /// </summary>
    public static Attachment AttachedLegacy(Guid volumeId, string projectId, Guid? instanceId, string? hostName, string mountpoint, string mode,
        DateTime now) => new()
    {
        Id = Guid.CreateVersion7(now),
        VolumeId = volumeId,
        ProjectId = projectId,
        InstanceId = instanceId,
        AttachedHost = hostName,
        Mountpoint = mountpoint,
        AttachMode = mode,
        Status = AttachStatus.Attached,
        AttachedAt = now,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>
    /// The consumer's host connects: its connector and the connection info it was given are kept, and the attachment is
    /// <c>attaching</c> until <see cref="Complete"/>. The mode given at create wins over the connector's, as in Cinder.
    /// </summary>
    public void Connect(string connectorJson, string? connectorHost, string? mountpoint, string mode, string connectionInfoJson, DateTime now)
    {
        Connector = connectorJson;
        ConnectionInfo = connectionInfoJson;
        AttachedHost = connectorHost;
        Mountpoint = mountpoint ?? "na";
        AttachMode = mode;
        AttachedAt = now;
        Status = AttachStatus.Attaching;
        UpdatedAt = now;
    }

    /// <summary>The mode the connection gets: the create's when it gave one, else the connector's, else <c>rw</c>.</summary>
    public string ModeFor(string? connectorMode) => AttachMode != "null" ? AttachMode : connectorMode ?? "rw";

    /// <summary><c>os-complete</c>: the consumer has connected.</summary>
    public void Complete(DateTime now)
    {
        Status = AttachStatus.Attached;
        UpdatedAt = now;
    }
}
