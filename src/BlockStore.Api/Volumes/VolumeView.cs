using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Jobs;
using BlockStore.Core.Volumes;

namespace BlockStore.Api.Volumes;

/// <summary>The Cinder volume body, as the sample responses of Cinder 21.3 show it at each microversion.</summary>
public static class VolumeView
{
    /// <summary>Member names, encoded once (<see cref="CinderJson"/>).</summary>
    private static class N
    {
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
        public static readonly JsonEncodedText Size = JsonEncodedText.Encode("size");
        public static readonly JsonEncodedText AvailabilityZone = JsonEncodedText.Encode("availability_zone");
        public static readonly JsonEncodedText CreatedAt = JsonEncodedText.Encode("created_at");
        public static readonly JsonEncodedText UpdatedAt = JsonEncodedText.Encode("updated_at");
        public static readonly JsonEncodedText Description = JsonEncodedText.Encode("description");
        public static readonly JsonEncodedText VolumeType = JsonEncodedText.Encode("volume_type");
        public static readonly JsonEncodedText SnapshotId = JsonEncodedText.Encode("snapshot_id");
        public static readonly JsonEncodedText SourceVolid = JsonEncodedText.Encode("source_volid");
        public static readonly JsonEncodedText Metadata = JsonEncodedText.Encode("metadata");
        public static readonly JsonEncodedText VolumeImageMetadata = JsonEncodedText.Encode("volume_image_metadata");
        public static readonly JsonEncodedText UserId = JsonEncodedText.Encode("user_id");
        public static readonly JsonEncodedText Bootable = JsonEncodedText.Encode("bootable");
        public static readonly JsonEncodedText Encrypted = JsonEncodedText.Encode("encrypted");
        public static readonly JsonEncodedText ReplicationStatus = JsonEncodedText.Encode("replication_status");
        public static readonly JsonEncodedText ConsistencygroupId = JsonEncodedText.Encode("consistencygroup_id");
        public static readonly JsonEncodedText Multiattach = JsonEncodedText.Encode("multiattach");
        public static readonly JsonEncodedText Attachments = JsonEncodedText.Encode("attachments");
        public static readonly JsonEncodedText AttachedAt = JsonEncodedText.Encode("attached_at");
        public static readonly JsonEncodedText MigrationStatus = JsonEncodedText.Encode("migration_status");
        public static readonly JsonEncodedText GroupId = JsonEncodedText.Encode("group_id");
        public static readonly JsonEncodedText ProviderId = JsonEncodedText.Encode("provider_id");
        public static readonly JsonEncodedText SharedTargets = JsonEncodedText.Encode("shared_targets");
        public static readonly JsonEncodedText ServiceUuid = JsonEncodedText.Encode("service_uuid");
        public static readonly JsonEncodedText ClusterName = JsonEncodedText.Encode("cluster_name");
        public static readonly JsonEncodedText VolumeTypeId = JsonEncodedText.Encode("volume_type_id");
        public static readonly JsonEncodedText ConsumesQuota = JsonEncodedText.Encode("consumes_quota");
        public static readonly JsonEncodedText TenantId = JsonEncodedText.Encode("os-vol-tenant-attr:tenant_id");
        public static readonly JsonEncodedText Migstat = JsonEncodedText.Encode("os-vol-mig-status-attr:migstat");
        public static readonly JsonEncodedText NameId = JsonEncodedText.Encode("os-vol-mig-status-attr:name_id");
        public static readonly JsonEncodedText Host = JsonEncodedText.Encode("os-vol-host-attr:host");
    }

    public static void WriteSummary(Utf8JsonWriter w, VolumeRow v, ApiRequest req)
    {
        w.WriteStartObject();
        w.WriteString(N.Id, v.Id);
        w.WriteStringOrNull(N.Name, v.Name);
        w.WriteLinks(req, "volumes", v.Id);
        w.WriteEndObject();
    }

    public static void WriteDetail(Utf8JsonWriter w, VolumeRow v, ApiRequest req, BackendCatalog backends, Job? migration = null,
        Job? flatten = null)
    {
        w.WriteStartObject();
        w.WriteString(N.Id, v.Id);
        w.WriteString(N.Status, v.Status);
        w.WriteNumber(N.Size, v.Size);
        w.WriteString(N.AvailabilityZone, v.AvailabilityZone);
        w.WriteTimestamp(N.CreatedAt, v.CreatedAt);
        w.WriteTimestamp(N.UpdatedAt, v.UpdatedAt);
        w.WriteStringOrNull(N.Name, v.Name);
        w.WriteStringOrNull(N.Description, v.Description);
        w.WriteStringOrNull(N.VolumeType, v.TypeName);
        w.WriteStringOrNull(N.SnapshotId, v.SnapshotId);
        w.WriteStringOrNull(N.SourceVolid, v.SourceVolumeId);
        WriteMetadata(w, v);
        if (v.ImageMetadataJson is { } imageMetadata) w.WriteJsonObject(N.VolumeImageMetadata, imageMetadata);
        w.WriteLinks(req, "volumes", v.Id);
        w.WriteString(N.UserId, v.UserId);
        w.WriteString(N.Bootable, v.Bootable ? "true" : "false");
        w.WriteBoolean(N.Encrypted, false);
        w.WriteNull(N.ReplicationStatus);
        w.WriteNull(N.ConsistencygroupId);
        w.WriteBoolean(N.Multiattach, v.Multiattach);
        WriteAttachments(w, v, req);
        w.WriteStringOrNull(N.MigrationStatus, MigrationWire(v.MigrationStatus));
        if (v.IsMigrating) WriteMigrationProgress(w, migration);
        if (flatten is not null) WriteFlattenProgress(w, flatten);
        var version = req.Version;
        if (version.AtLeast(13)) w.WriteNull(N.GroupId);
        // provider_id and cluster_name are admins' only, as in Cinder's view.
        if (version.AtLeast(21) && req.Caller.IsAdmin) w.WriteNull(N.ProviderId);
        if (version.AtLeast(48)) { w.WriteBoolean(N.SharedTargets, false); w.WriteNull(N.ServiceUuid); }
        if (version.AtLeast(61) && req.Caller.IsAdmin) w.WriteNull(N.ClusterName);
        if (version.AtLeast(63)) w.WriteString(N.VolumeTypeId, v.VolumeTypeId);
        if (version.AtLeast(65)) w.WriteBoolean(N.ConsumesQuota, true);
        if (req.Caller.IsAdmin)
        {
            w.WriteString(N.TenantId, v.ProjectId);
            w.WriteStringOrNull(N.Migstat, MigrationWire(v.MigrationStatus));
            w.WriteNull(N.NameId);
            w.WriteString(N.Host, backends.HostOf(v.Backend));
        }
        w.WriteEndObject();
    }

    public static JsonBody Single(Volume v, ApiRequest req, string? typeName, BackendCatalog backends, int status = 200, Job? migration = null,
        Job? flatten = null, string? attachedJson = null)
    {
        var row = VolumeRow.Of(v, typeName, attachedJson);
        return JsonBody.Single("volume", w => WriteDetail(w, row, req, backends, migration, flatten), status);
    }

    /// <summary>
    /// The volume's metadata, with the <c>readonly</c> flag added once it has been set, as Cinder adds its visible admin
    /// metadata. Most volumes have no flag, and their stored JSON is written as it is.
    /// </summary>
    private static void WriteMetadata(Utf8JsonWriter w, VolumeRow v)
    {
        if (v.ReadOnly is not { } readOnly)
        {
            w.WriteJsonObject(N.Metadata, v.MetadataJson);
            return;
        }
        var metadata = JsonSerializer.Deserialize<Dictionary<string, string>>(v.MetadataJson)!;
        metadata["readonly"] = readOnly ? "True" : "False";
        w.WriteDictionary("metadata", metadata);
    }

    /// <summary>
    /// Cinder's <c>attachments</c>: one entry per completed attachment, the server's host to admins only (as Cinder
    /// keeps <c>host_name</c> from other callers).
    /// </summary>
    private static void WriteAttachments(Utf8JsonWriter w, VolumeRow v, ApiRequest req)
    {
        w.WriteStartArray(N.Attachments);
        if (v.AttachedJson is { } json)
        {
            using var attached = JsonDocument.Parse(json);
            foreach (var a in attached.RootElement.EnumerateArray())
            {
                w.WriteStartObject();
                w.WriteString(N.Id, v.Id);
                w.WriteString("attachment_id", a.GetProperty("attachment_id").GetString());
                w.WriteString("volume_id", v.Id);
                w.WriteStringOrNull("server_id", a.GetProperty("server_id").GetString());
                w.WriteStringOrNull("host_name", req.Caller.IsAdmin ? a.GetProperty("host_name").GetString() : null);
                w.WriteStringOrNull("device", a.GetProperty("device").GetString());
                w.WriteTimestamp(N.AttachedAt, a.GetProperty("attached_at").ValueKind == JsonValueKind.Null
                    ? null : a.GetProperty("attached_at").GetDateTimeOffset().UtcDateTime);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
    }

    /// <summary>BlockStore's own field, present only while a migration runs (docs/api.md).</summary>
    private static void WriteMigrationProgress(Utf8JsonWriter w, Job? job)
    {
        w.WriteStartObject("migration_progress");
        w.WriteNumber("percent", job?.Progress ?? 0);
        w.WriteNumber("bytes_copied", job?.BytesDone ?? 0);
        w.WriteNumber("bytes_total", job?.BytesTotal ?? 0);
        w.WriteEndObject();
    }

    /// <summary>BlockStore's own field, in a single volume's body only while a flatten job detaches it from its parent.</summary>
    private static void WriteFlattenProgress(Utf8JsonWriter w, Job job)
    {
        w.WriteStartObject("flatten_progress");
        w.WriteNumber("percent", job.Progress);
        w.WriteEndObject();
    }

    public static string? MigrationWire(MigrationStatus? status) => status?.ToString().ToLowerInvariant();
}
