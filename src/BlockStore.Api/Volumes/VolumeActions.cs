using System.Text.Json;
using System.Text.Json.Serialization;

namespace BlockStore.Api.Volumes;

/// <summary>The body of <c>POST …/volumes/{id}/action</c>: exactly one of these members.</summary>
public sealed class VolumeActionBody
{
    [JsonPropertyName("os-extend")] public ExtendAction? Extend { get; set; }
    [JsonPropertyName("os-retype")] public RetypeAction? Retype { get; set; }
    [JsonPropertyName("os-reset_status")] public ResetStatusAction? ResetStatus { get; set; }
    /// <summary>
    /// Takes no arguments, so any value asks for it, as in Cinder: cinderclient and openstackclient send null,
    /// gophercloud an empty string, others <c>{}</c>. Absent, it is <see cref="JsonValueKind.Undefined"/>.
    /// </summary>
    [JsonPropertyName("os-force_delete")] public JsonElement ForceDelete { get; set; }
    [JsonPropertyName("os-set_bootable")] public SetBootableAction? SetBootable { get; set; }
    [JsonPropertyName("os-migrate_volume")] public MigrateAction? Migrate { get; set; }
    /// <summary>Takes no arguments, as <see cref="ForceDelete"/>.</summary>
    [JsonPropertyName("os-migrate_volume_cancel")] public JsonElement CancelMigration { get; set; }
    [JsonPropertyName("os-volume_upload_image")] public UploadImageAction? UploadImage { get; set; }
    [JsonPropertyName("os-update_readonly_flag")] public ReadOnlyFlagAction? UpdateReadOnly { get; set; }
    /// <summary>3.40: back to the latest snapshot.</summary>
    [JsonPropertyName("revert")] public RevertAction? Revert { get; set; }
    /// <summary>3.68: the volume's data rewritten with an image's.</summary>
    [JsonPropertyName("os-reimage")] public ReimageAction? Reimage { get; set; }
    [JsonPropertyName("os-set_image_metadata")] public SetImageMetadataAction? SetImageMetadata { get; set; }
    [JsonPropertyName("os-unset_image_metadata")] public UnsetImageMetadataAction? UnsetImageMetadata { get; set; }
    /// <summary>Takes no arguments, as <see cref="ForceDelete"/>: the volume leaves BlockStore and its data stays (admins).</summary>
    [JsonPropertyName("os-unmanage")] public JsonElement Unmanage { get; set; }
    /// <summary>Takes no arguments, as <see cref="ForceDelete"/>.</summary>
    [JsonPropertyName("os-show_image_metadata")] public JsonElement ShowImageMetadata { get; set; }

    // The attach flow before the attachments API (Attachments/LegacyAttachActions.cs). The four without arguments take
    // any value, as ForceDelete does; os-detach takes an object or null.
    [JsonPropertyName("os-reserve")] public JsonElement Reserve { get; set; }
    [JsonPropertyName("os-unreserve")] public JsonElement Unreserve { get; set; }
    [JsonPropertyName("os-begin_detaching")] public JsonElement BeginDetaching { get; set; }
    [JsonPropertyName("os-roll_detaching")] public JsonElement RollDetaching { get; set; }
    [JsonPropertyName("os-attach")] public AttachAction? Attach { get; set; }
    [JsonPropertyName("os-detach")] public JsonElement Detach { get; set; }
    [JsonPropertyName("os-initialize_connection")] public ConnectorAction? InitializeConnection { get; set; }
    [JsonPropertyName("os-terminate_connection")] public ConnectorAction? TerminateConnection { get; set; }
    [JsonPropertyName("os-force_detach")] public ForceDetachAction? ForceDetach { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; set; }

    public int Count => new object?[] { Extend, Retype, ResetStatus, SetBootable, Migrate, UploadImage, SetImageMetadata, UnsetImageMetadata, Revert,
                Reimage, UpdateReadOnly, Attach, InitializeConnection, TerminateConnection, ForceDetach }
            .Count(a => a is not null)
        + new[] { ForceDelete, Unmanage, CancelMigration, ShowImageMetadata, Reserve, Unreserve, BeginDetaching, RollDetaching, Detach }
            .Count(a => a.ValueKind != JsonValueKind.Undefined)
        + (Unknown?.Count ?? 0);
}

public sealed class ExtendAction { public int? NewSize { get; set; } }

public sealed class RetypeAction
{
    public string? NewType { get; set; }
    public string? MigrationPolicy { get; set; }
}

public sealed class MigrateAction
{
    public string? Host { get; set; }
    [JsonConverter(typeof(Infrastructure.CinderBoolConverter))] public bool? ForceHostCopy { get; set; }
    [JsonConverter(typeof(Infrastructure.CinderBoolConverter))] public bool? LockVolume { get; set; }
}

public sealed class ResetStatusAction
{
    public string? Status { get; set; }
    public string? AttachStatus { get; set; }
    public string? MigrationStatus { get; set; }
}

public sealed class SetBootableAction { public bool? Bootable { get; set; } }

public sealed class ReadOnlyFlagAction
{
    [JsonConverter(typeof(Infrastructure.CinderBoolConverter))] public bool? Readonly { get; set; }
}

public sealed class RevertAction { public string? SnapshotId { get; set; } }

public sealed class SetImageMetadataAction { public Dictionary<string, string>? Metadata { get; set; } }

public sealed class UnsetImageMetadataAction { public string? Key { get; set; } }

/// <summary><c>os-attach</c>: <c>mountpoint</c>, and <c>instance_uuid</c> or <c>host_name</c>; <c>mode</c> <c>rw</c> (default) or <c>ro</c>.</summary>
public sealed class AttachAction : Infrastructure.OpenBody
{
    public string? InstanceUuid { get; set; }
    public string? HostName { get; set; }
    public string? Mountpoint { get; set; }
    public string? Mode { get; set; }
}

/// <summary><c>os-initialize_connection</c> and <c>os-terminate_connection</c>: the host's connector (os-brick's properties).</summary>
public sealed class ConnectorAction : Infrastructure.OpenBody
{
    public JsonElement Connector { get; set; }
}

/// <summary><c>os-force_detach</c> (admin): the connector to end and the attachment to remove, both optional.</summary>
public sealed class ForceDetachAction : Infrastructure.OpenBody
{
    public JsonElement Connector { get; set; }
    public JsonElement AttachmentId { get; set; }
}
