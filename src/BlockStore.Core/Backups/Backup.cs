using BlockStore.Core.Errors;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Backups;

/// <summary>
/// A full copy of a volume's data, at one point in time, kept in the backup store (configuration section <c>Backups</c>)
/// apart from the volume's backend, under <see cref="StoreName"/>. It outlives its volume; it is restored onto an available
/// volume or into a new one.
/// </summary>
public sealed class Backup
{
    private Backup() { }

    public Guid Id { get; private set; }
    public string ProjectId { get; private set; } = "";
    public string UserId { get; private set; } = "";
    /// <summary>The volume it was taken of; the volume may be gone since.</summary>
    public Guid VolumeId { get; private set; }
    /// <summary>The snapshot it was read from, when the request named one.</summary>
    public Guid? SnapshotId { get; private set; }
    public string? Name { get; private set; }
    public string? Description { get; private set; }
    /// <summary>Where it is kept, as Cinder names it (<c>container</c>): the backup store's pool or folder, set by the worker's first step.</summary>
    public string? Container { get; private set; }
    public string AvailabilityZone { get; private set; } = "";
    /// <summary>The volume's size in GiB when it was taken: a restore needs a volume at least this large.</summary>
    public int Size { get; private set; }
    public BackupStatus Status { get; private set; }
    /// <summary>Chunks of data the store holds for it (Cinder's <c>object_count</c>): the data read, in 4 MiB pieces.</summary>
    public int ObjectCount { get; private set; }
    public string? FailReason { get; private set; }
    public Dictionary<string, string> Metadata { get; private set; } = [];
    /// <summary>The moment the data is of: when its snapshot was taken (Cinder's <c>data_timestamp</c>).</summary>
    public DateTime DataTimestamp { get; private set; }
    /// <summary>
    /// What a restore gives the volume besides its data, as Cinder's backup metadata does: whether the volume was bootable,
    /// its image record (Glance metadata), and its own metadata, as they were when the backup was taken.
    /// </summary>
    public bool VolumeBootable { get; private set; }
    public Dictionary<string, string>? VolumeImageMetadata { get; private set; }
    public Dictionary<string, string> VolumeMetadata { get; private set; } = [];
    /// <summary>While <c>restoring</c>: the volume it is written to.</summary>
    public Guid? RestoringTo { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? UpdatedAt { get; private set; }
    public DateTime StatusChangedAt { get; private set; }
    public uint Version { get; private set; }

    public string StoreName => StoreNameOf(Id);

    /// <summary>The name of backup <paramref name="id"/>'s data in the backup store (and of the RBD snapshot it is read from).</summary>
    public static string StoreNameOf(Guid id) => $"{StorePrefix}{id}";

    public const string StorePrefix = "backup-";

    /// <summary>The backup id in a name made by <see cref="StoreNameOf"/>; null for any other name.</summary>
    public static Guid? IdOfStoreName(string name) =>
        name.StartsWith(StorePrefix, StringComparison.Ordinal) && Guid.TryParseExact(name.AsSpan(StorePrefix.Length), "D", out var id) ? id : null;

    public const string DeleteRefused = "Invalid backup: Backup status must be available or error";

    /// <summary>
    /// A backup being made or restored is not force-deleted from under its copy: the copy ends first (the reconciler fails
    /// one whose worker is gone).
    /// </summary>
    public const string ForceDeleteRefused =
        "Invalid backup: Backup status must be available, error or error_deleting to be force-deleted; a backup being created or restored can be deleted once that ends.";

    /// <summary>A backup of <paramref name="volume"/>, or of its <paramref name="snapshot"/>: of that moment, and that size.</summary>
    public static Backup Create(Volume volume, Snapshot? snapshot, string userId, string? name, string? description,
        IDictionary<string, string>? metadata, DateTime now) => new()
        {
            Id = Guid.CreateVersion7(now),
            // The volume's project owns and pays for it, as for a snapshot an admin takes of a tenant's volume.
            ProjectId = volume.ProjectId,
            UserId = userId,
            VolumeId = volume.Id,
            SnapshotId = snapshot?.Id,
            Name = name,
            Description = description,
            AvailabilityZone = volume.AvailabilityZone,
            Size = snapshot?.Size ?? volume.Size,
            Metadata = metadata is null ? [] : new Dictionary<string, string>(metadata),
            // A snapshot's image record is its copy of the volume's at the snapshot; whether it boots follows the volume, as
            // for a clone of the snapshot.
            VolumeBootable = volume.Bootable,
            VolumeImageMetadata = Copy(snapshot is null ? volume.ImageMetadata : snapshot.ImageMetadata),
            VolumeMetadata = new Dictionary<string, string>(volume.Metadata),
            Status = BackupStatus.Creating,
            DataTimestamp = snapshot?.CreatedAt ?? now,
            CreatedAt = now,
            StatusChangedAt = now,
        };

    private static Dictionary<string, string>? Copy(Dictionary<string, string>? map) => map is null ? null : new(map);

    public void Update(string? name, string? description, IDictionary<string, string>? metadata, bool setName, bool setDescription, DateTime now)
    {
        if (setName) Name = name;
        if (setDescription) Description = description;
        if (metadata is not null) Metadata = new Dictionary<string, string>(metadata);
        UpdatedAt = now;
    }

    /// <summary>
    /// The first step made its copy in the store, at <paramref name="container"/>, of the data as it was at
    /// <paramref name="dataTimestamp"/> (null: a user's snapshot's moment, known from the start).
    /// </summary>
    public void Started(string container, DateTime? dataTimestamp, DateTime now)
    {
        RequireStatus(BackupStatus.Creating, "start");
        Container = container;
        if (dataTimestamp is { } moment) DataTimestamp = moment;
        UpdatedAt = now;
    }

    /// <summary>The copy is in the store, flushed and checked.</summary>
    public void Complete(int objectCount, DateTime now)
    {
        RequireStatus(BackupStatus.Creating, "complete");
        ObjectCount = objectCount;
        FailReason = null;
        MoveTo(BackupStatus.Available, now);
    }

    public void Fail(string reason, DateTime now)
    {
        FailReason = reason;
        MoveTo(BackupStatus.Error, now);
    }

    /// <summary>A delete: <c>available</c> or <c>error</c>, and by an admin (<paramref name="force"/>) <c>error_deleting</c> too.</summary>
    public void BeginDeletion(bool force, DateTime now)
    {
        var ok = force ? Status is BackupStatus.Available or BackupStatus.Error or BackupStatus.ErrorDeleting
                       : Status is BackupStatus.Available or BackupStatus.Error;
        if (!ok) throw new InvalidRequestException(force ? ForceDeleteRefused : DeleteRefused);
        MoveTo(BackupStatus.Deleting, now);
    }

    /// <summary>The store would not let its data go: <c>error_deleting</c>, and a delete may be asked again.</summary>
    public void FailDeletion(DateTime now) => MoveTo(BackupStatus.ErrorDeleting, now);

    public void BeginRestore(Guid volumeId, DateTime now)
    {
        if (Status != BackupStatus.Available) throw new InvalidRequestException("Invalid backup: Backup status must be available");
        RestoringTo = volumeId;
        MoveTo(BackupStatus.Restoring, now);
    }

    /// <summary>A restore ended, well or not: the backup is as it was (Cinder leaves it available either way).</summary>
    public void EndRestore(DateTime now) => MoveTo(BackupStatus.Available, now);

    /// <summary><c>os-reset_status</c> (admins): Cinder's two, <c>available</c> and <c>error</c>.</summary>
    public void ResetStatus(BackupStatus status, DateTime now)
    {
        if (status is not (BackupStatus.Available or BackupStatus.Error))
            throw new InvalidRequestException($"Invalid input received: Backup status can only be reset to available or error, not {status}.");
        MoveTo(status, now);
    }

    /// <summary>Touch the row so that the reconciler sees the operation as alive.</summary>
    public void Heartbeat(DateTime now) => StatusChangedAt = now;

    private void RequireStatus(BackupStatus expected, string action)
    {
        if (Status != expected) throw new InvalidOperationException($"Backup {Id} must be {expected} to {action}, but is {Status}.");
    }

    private void MoveTo(BackupStatus next, DateTime now)
    {
        if (next != BackupStatus.Restoring) RestoringTo = null;
        Status = next;
        UpdatedAt = now;
        StatusChangedAt = now;
    }
}
