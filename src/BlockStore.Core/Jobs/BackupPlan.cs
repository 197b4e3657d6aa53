using System.Text.Json;

namespace BlockStore.Core.Jobs;

/// <summary>
/// What a backup or restore job copies, and how far it has come: the job row's checkpoint. The API writes the first one;
/// every worker step commits the next. The job's volume is the one read (a backup) or written (a restore).
/// </summary>
/// <param name="BackupId">The backup made or restored.</param>
/// <param name="Backend">The volume's backend.</param>
/// <param name="Snapshot">A backup: the backend snapshot it reads, its own (named after the backup, taken by its first step
/// and removed by its last) or the user's snapshot the request named; null where the backend has no snapshots, and the
/// volume, not attached, is read as it is.</param>
/// <param name="OwnSnapshot">Whether <paramref name="Snapshot"/> is the backup's own, to be removed when it ends.</param>
/// <param name="Offset">Below this offset the destination holds the source, flushed and verified.</param>
/// <param name="Prepared">The first step's work is done: a backup's snapshot taken and its copy made in the store; a
/// restore's volume made, or cleared to zeroes.</param>
/// <param name="NewVolume">A restore into a volume made for it, which goes when the restore fails.</param>
/// <param name="ObjectCount">Chunks of data copied so far, for the backup's <c>object_count</c>.</param>
public sealed record BackupPlan(Guid BackupId, string Backend, string? Snapshot = null, bool OwnSnapshot = false, long Offset = 0,
    bool Prepared = false, bool NewVolume = false, int ObjectCount = 0)
{
    public const string BackupKind = "backup";
    public const string RestoreKind = "restore";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static BackupPlan FromJson(string? json) =>
        JsonSerializer.Deserialize<BackupPlan>(json ?? "null", Json) ?? throw new InvalidOperationException("A backup job has no plan.");
}
