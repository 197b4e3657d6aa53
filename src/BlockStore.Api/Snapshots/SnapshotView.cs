using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Snapshots;

namespace BlockStore.Api.Snapshots;

/// <summary>The Cinder snapshot body, as Cinder 21.3 shows it (sample 28) at each microversion.</summary>
public static class SnapshotView
{
    /// <summary><c>GET …/snapshots</c>: the base fields, without the extended attributes.</summary>
    public static void WriteSummary(Utf8JsonWriter w, Snapshot s)
    {
        w.WriteStartObject();
        WriteBase(w, s);
        w.WriteEndObject();
    }

    /// <summary>Show, detail and create: the base fields, the microversioned ones and the extended attributes.</summary>
    public static void WriteDetail(Utf8JsonWriter w, Snapshot s, ApiRequest req)
    {
        w.WriteStartObject();
        WriteBase(w, s);
        if (req.Version.AtLeast(14)) w.WriteNull("group_snapshot_id");
        if (req.Version.AtLeast(41)) w.WriteString("user_id", s.UserId);
        if (req.Version.AtLeast(65)) w.WriteBoolean("consumes_quota", true);
        w.WriteString("os-extended-snapshot-attributes:project_id", s.ProjectId);
        w.WriteString("os-extended-snapshot-attributes:progress", s.Status is SnapshotStatus.Creating or SnapshotStatus.Error ? "0%" : "100%");
        w.WriteEndObject();
    }

    public static JsonBody Single(Snapshot s, ApiRequest req, int status = 200) => JsonBody.Single("snapshot", w => WriteDetail(w, s, req), status);

    /// <summary>Cinder spells <c>backing-up</c> with a hyphen and the other statuses in snake_case.</summary>
    public static string Wire(SnapshotStatus status) => status switch
    {
        SnapshotStatus.BackingUp => "backing-up",
        SnapshotStatus.ErrorDeleting => "error_deleting",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>The stored form of a wire status, for filters (the database keeps snake_case).</summary>
    public static string Stored(string wire) => wire.Replace('-', '_');

    private static void WriteBase(Utf8JsonWriter w, Snapshot s)
    {
        w.WriteString("id", s.Id);
        w.WriteTimestamp("created_at", s.CreatedAt);
        w.WriteTimestamp("updated_at", s.UpdatedAt);
        w.WriteStringOrNull("name", s.Name);
        w.WriteStringOrNull("description", s.Description);
        w.WriteString("volume_id", s.VolumeId);
        w.WriteString("status", Wire(s.Status));
        w.WriteNumber("size", s.Size);
        w.WriteDictionary("metadata", s.Metadata);
    }
}
