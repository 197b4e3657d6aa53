using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Volumes;
using Npgsql;

namespace BlockStore.Api.Volumes;

/// <summary>
/// A volume as <see cref="VolumeView"/> writes it. Lists read it straight off the page query (<see cref="Reader"/>),
/// type name included, with no entity and no parsing of the jsonb columns; a single volume is taken from its entity.
/// </summary>
public sealed record VolumeRow(
    Guid Id, string ProjectId, string UserId, string? Name, string? Description, int Size, string Status, string AvailabilityZone,
    Guid VolumeTypeId, string? TypeName, string Backend, bool Bootable, Guid? SnapshotId, Guid? SourceVolumeId,
    MigrationStatus? MigrationStatus, DateTime CreatedAt, DateTime? UpdatedAt,
    string MetadataJson, string? ImageMetadataJson, bool? ReadOnly, bool Multiattach, string? AttachedJson = null)
{
    /// <summary>
    /// The volume's completed attachments as a JSON array (null when it has none), for the body's <c>attachments</c>;
    /// <c>v</c> is the volume. Lists guard it with the status, so that an <c>available</c> row costs no lookup.
    /// </summary>
    public const string AttachedSql =
        "(SELECT json_agg(json_build_object('attachment_id', a.id, 'server_id', a.instance_id, 'host_name', a.attached_host, " +
        "'device', a.mountpoint, 'attached_at', a.attached_at) ORDER BY a.created_at)::text " +
        "FROM blockstore.attachments a WHERE a.volume_id = v.id AND a.status = 'attached')";

    public bool IsMigrating => MigrationStatus.IsRunning();

    /// <summary>The list's select list and its reader; the ordinals follow the select list.</summary>
    public static readonly RowReader<VolumeRow> Reader = new(
        "v.id, v.project_id, v.user_id, v.name, v.description, v.size, v.status, v.availability_zone, v.volume_type_id, " +
        "(SELECT t.name FROM blockstore.volume_types t WHERE t.id = v.volume_type_id), v.backend, v.bootable, v.snapshot_id, " +
        "v.source_volume_id, v.migration_status, v.created_at, v.updated_at, v.metadata::text, v.image_metadata::text, v.read_only, v.multiattach, " +
        $"CASE WHEN v.status <> 'available' THEN {AttachedSql} END",
        r => new VolumeRow(
            r.GetGuid(0), r.GetString(1), r.GetString(2), StringOrNull(r, 3), StringOrNull(r, 4), r.GetInt32(5), r.GetString(6),
            r.GetString(7), r.GetGuid(8), StringOrNull(r, 9), r.GetString(10), r.GetBoolean(11), GuidOrNull(r, 12), GuidOrNull(r, 13),
            r.IsDBNull(14) ? null : Enum.Parse<MigrationStatus>(r.GetString(14)), r.GetDateTime(15),
            r.IsDBNull(16) ? null : r.GetDateTime(16), r.GetString(17), StringOrNull(r, 18), r.IsDBNull(19) ? null : r.GetBoolean(19), r.GetBoolean(20),
            StringOrNull(r, 21)));

    public static VolumeRow Of(Volume v, string? typeName, string? attachedJson = null) => new(
        v.Id, v.ProjectId, v.UserId, v.Name, v.Description, v.Size, v.Status.ToWire(), v.AvailabilityZone, v.VolumeTypeId, typeName,
        v.Backend, v.Bootable, v.SnapshotId, v.SourceVolumeId, v.MigrationStatus, v.CreatedAt, v.UpdatedAt,
        JsonSerializer.Serialize(v.Metadata, JsonBody.SerializerOptions),
        v.ImageMetadata is { } image ? JsonSerializer.Serialize(image, JsonBody.SerializerOptions) : null, v.ReadOnly, v.Multiattach, attachedJson);

    private static string? StringOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static Guid? GuidOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetGuid(i);
}
