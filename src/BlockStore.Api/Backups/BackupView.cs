using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Backups;
using BlockStore.Core.Volumes;

namespace BlockStore.Api.Backups;

/// <summary>The Cinder backup body at each microversion: the summary (id, name, links) and the detail.</summary>
public static class BackupView
{
    public const string Collection = "backups";

    /// <summary><c>GET …/backups</c> and the create's answer.</summary>
    public static void WriteSummary(Utf8JsonWriter w, Backup b, ApiRequest req)
    {
        w.WriteStartObject();
        w.WriteString("id", b.Id);
        w.WriteStringOrNull("name", b.Name);
        w.WriteLinks(req, Collection, b.Id);
        w.WriteEndObject();
    }

    /// <summary>Show, detail and update: Cinder's fields, 3.43's metadata, 3.56's user_id and, for admins from 3.18, the project.</summary>
    public static void WriteDetail(Utf8JsonWriter w, Backup b, ApiRequest req)
    {
        w.WriteStartObject();
        w.WriteString("id", b.Id);
        w.WriteString("status", Wire(b.Status));
        w.WriteNumber("size", b.Size);
        w.WriteNumber("object_count", b.ObjectCount);
        w.WriteString("availability_zone", b.AvailabilityZone);
        w.WriteStringOrNull("container", b.Container);
        w.WriteTimestamp("created_at", b.CreatedAt);
        w.WriteTimestamp("updated_at", b.UpdatedAt);
        w.WriteStringOrNull("name", b.Name);
        w.WriteStringOrNull("description", b.Description);
        w.WriteStringOrNull("fail_reason", b.FailReason);
        w.WriteString("volume_id", b.VolumeId);
        w.WriteLinks(req, Collection, b.Id);
        // Every backup is a full copy: none is incremental, and none has incremental children.
        w.WriteBoolean("is_incremental", false);
        w.WriteBoolean("has_dependent_backups", false);
        if (b.SnapshotId is { } snapshot) w.WriteString("snapshot_id", snapshot); else w.WriteNull("snapshot_id");
        w.WriteTimestamp("data_timestamp", b.DataTimestamp);
        if (req.Version.AtLeast(43)) w.WriteDictionary("metadata", b.Metadata);
        if (req.Version.AtLeast(56)) w.WriteString("user_id", b.UserId);
        if (req.Version.AtLeast(64)) w.WriteNull("encryption_key_id");
        if (req.Version.AtLeast(18) && req.Caller.IsAdmin) w.WriteString("os-backup-project-attr:project_id", b.ProjectId);
        w.WriteEndObject();
    }

    public static JsonBody Single(Backup b, ApiRequest req) => JsonBody.Single("backup", w => WriteDetail(w, b, req));

    /// <summary>Cinder's status names, snake_case as stored.</summary>
    public static string Wire(BackupStatus status) => VolumeStatusNames.SnakeCase(status.ToString());
}
