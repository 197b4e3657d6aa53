using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Jobs;
using BlockStore.Core.Volumes;

namespace BlockStore.Api.Volumes;

/// <summary>The Cinder volume body, as the sample responses of Cinder 21.3 show it at each microversion.</summary>
public static class VolumeView
{
    public static void WriteSummary(Utf8JsonWriter w, Volume v, ApiRequest req)
    {
        w.WriteStartObject();
        w.WriteString("id", v.Id);
        w.WriteStringOrNull("name", v.Name);
        w.WriteLinks(req, "volumes", v.Id);
        w.WriteEndObject();
    }

    public static void WriteDetail(Utf8JsonWriter w, Volume v, ApiRequest req, string? typeName, BackendCatalog backends, Job? migration = null)
    {
        w.WriteStartObject();
        w.WriteString("id", v.Id);
        w.WriteString("status", v.Status.ToWire());
        w.WriteNumber("size", v.Size);
        w.WriteString("availability_zone", v.AvailabilityZone);
        w.WriteTimestamp("created_at", v.CreatedAt);
        w.WriteTimestamp("updated_at", v.UpdatedAt);
        w.WriteStringOrNull("name", v.Name);
        w.WriteStringOrNull("description", v.Description);
        w.WriteStringOrNull("volume_type", typeName);
        w.WriteStringOrNull("snapshot_id", v.SnapshotId);
        w.WriteStringOrNull("source_volid", v.SourceVolumeId);
        w.WriteDictionary("metadata", v.Metadata);
        if (v.ImageMetadata is { } imageMetadata) w.WriteDictionary("volume_image_metadata", imageMetadata);
        w.WriteLinks(req, "volumes", v.Id);
        w.WriteString("user_id", v.UserId);
        w.WriteString("bootable", v.Bootable ? "true" : "false");
        w.WriteBoolean("encrypted", false);
        w.WriteNull("replication_status");
        w.WriteNull("consistencygroup_id");
        w.WriteBoolean("multiattach", false);
        w.WriteStartArray("attachments");
        w.WriteEndArray();
        w.WriteStringOrNull("migration_status", MigrationWire(v.MigrationStatus));
        if (v.IsMigrating) WriteMigrationProgress(w, migration);
        var version = req.Version;
        if (version.AtLeast(13)) w.WriteNull("group_id");
        if (version.AtLeast(21)) w.WriteNull("provider_id");
        if (version.AtLeast(48)) { w.WriteBoolean("shared_targets", false); w.WriteNull("service_uuid"); }
        if (version.AtLeast(61)) w.WriteNull("cluster_name");
        if (version.AtLeast(63)) w.WriteString("volume_type_id", v.VolumeTypeId);
        if (version.AtLeast(65)) w.WriteBoolean("consumes_quota", true);
        if (req.Caller.IsAdmin)
        {
            w.WriteString("os-vol-tenant-attr:tenant_id", v.ProjectId);
            w.WriteStringOrNull("os-vol-mig-status-attr:migstat", MigrationWire(v.MigrationStatus));
            w.WriteNull("os-vol-mig-status-attr:name_id");
            w.WriteString("os-vol-host-attr:host", backends.HostOf(v.Backend));
        }
        w.WriteEndObject();
    }

    public static JsonBody Single(Volume v, ApiRequest req, string? typeName, BackendCatalog backends, int status = 200, Job? migration = null) =>
        JsonBody.Single("volume", w => WriteDetail(w, v, req, typeName, backends, migration), status);

    /// <summary>BlockStore's own field, present only while a migration runs (docs/api.md).</summary>
    private static void WriteMigrationProgress(Utf8JsonWriter w, Job? job)
    {
        w.WriteStartObject("migration_progress");
        w.WriteNumber("percent", job?.Progress ?? 0);
        w.WriteNumber("bytes_copied", job?.BytesDone ?? 0);
        w.WriteNumber("bytes_total", job?.BytesTotal ?? 0);
        w.WriteEndObject();
    }

    public static string? MigrationWire(MigrationStatus? status) => status?.ToString().ToLowerInvariant();
}
