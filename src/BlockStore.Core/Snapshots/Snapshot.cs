using System.Linq.Expressions;
using BlockStore.Core.Errors;
using BlockStore.Core.Metadata;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Snapshots;

/// <summary>A point-in-time copy of a volume; on RBD a protected snapshot named <see cref="BackendName"/>.</summary>
public sealed partial class Snapshot : IHasMetadata
{
    /// <summary>
    /// Work in flight that the reconciler sends again when it sits without news (a worker died), as a query filter: a
    /// visible snapshot being created or deleted.
    /// </summary>
    public static readonly Expression<Func<Snapshot, bool>> Redriven =
        s => !s.Hidden && (s.Status == SnapshotStatus.Creating || s.Status == SnapshotStatus.Deleting);

    private Snapshot() { }

    public Guid Id { get; private set; }
    public Guid VolumeId { get; private set; }
    public string ProjectId { get; private set; } = "";
    public string UserId { get; private set; } = "";
    public string? Name { get; private set; }
    public string? Description { get; private set; }
    public int Size { get; private set; }
    public SnapshotStatus Status { get; private set; }
    public Dictionary<string, string> Metadata { get; private set; } = [];
    /// <summary>
    /// The volume's <c>volume_image_metadata</c> when it was bootable at the snapshot, as Cinder copies it; a volume made
    /// from the snapshot gets it.
    /// </summary>
    public Dictionary<string, string>? ImageMetadata { get; private set; }
    /// <summary>
    /// Set when a delete met clones that still depend on the snapshot: the tenant no longer sees it,
    /// and the worker removes it once the last clone is gone or flattened.
    /// </summary>
    public bool Hidden { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? UpdatedAt { get; private set; }
    public DateTime StatusChangedAt { get; private set; }
    public uint Version { get; private set; }

    public string BackendName => BackendNameOf(Id);

    /// <summary>The backend name of the snapshot <paramref name="id"/>.</summary>
    public static string BackendNameOf(Guid id) => $"{BackendPrefix}{id}";

    private const string BackendPrefix = "snapshot-";

    /// <summary>The backend snapshot a volume-to-volume clone hangs from, on the source: one per clone, and no row's.</summary>
    public static string CloneBackendName(Guid cloneId) => $"{ClonePrefix}{cloneId}";

    private const string ClonePrefix = "clone-";

    /// <summary>
    /// Why the backend snapshot <paramref name="name"/> is BlockStore's own although no snapshot row names it, so that it
    /// cannot be managed: a volume-to-volume clone's, a copy to an image's (named <paramref name="uploadPrefix"/>…,
    /// for as long as the copy runs), or a backup's (for as long as it is made). Null for any other name.
    /// </summary>
    public static string? ReasonNotManageable(string name, string uploadPrefix) =>
        name.StartsWith(ClonePrefix, StringComparison.Ordinal) && Guid.TryParseExact(name.AsSpan(ClonePrefix.Length), "D", out _) ? "used for clone snap"
        : name.StartsWith(uploadPrefix, StringComparison.Ordinal) ? "used for an upload to an image"
        : Backups.Backup.IdOfStoreName(name) is not null ? "used for a backup"
        : null;

    /// <summary>The snapshot id in a backend name made by <see cref="BackendName"/>; null for any other name.</summary>
    public static Guid? IdOfBackendName(string name) =>
        name.StartsWith(BackendPrefix, StringComparison.Ordinal) && Guid.TryParseExact(name.AsSpan(BackendPrefix.Length), "D", out var id) ? id : null;

    public const string DeleteRefused = "Snapshot status must be available or error and must not be part of a group.";

    public static Snapshot Create(Volume volume, string userId, string? name, string? description,
        IDictionary<string, string>? metadata, DateTime now) => new()
        {
            Id = Guid.CreateVersion7(now),
            VolumeId = volume.Id,
            // The snapshot belongs to the volume's project, which pays for it: an admin's snapshot of a
            // tenant's volume must stay visible to the tenant, who could otherwise never delete the volume.
            ProjectId = volume.ProjectId,
            UserId = userId,
            Size = volume.Size,
            Name = name,
            Description = description,
            Metadata = metadata is null ? [] : new Dictionary<string, string>(metadata),
            ImageMetadata = volume.Bootable && volume.ImageMetadata is { } image ? new Dictionary<string, string>(image) : null,
            Status = SnapshotStatus.Creating,
            CreatedAt = now,
            StatusChangedAt = now,
        };

    public void Update(string? name, string? description, bool setName, bool setDescription, DateTime now)
    {
        if (setName) Name = name;
        if (setDescription) Description = description;
        UpdatedAt = now;
    }

    public void SetMetadata(IDictionary<string, string> metadata, bool replace, DateTime now)
    {
        Metadata = StringMap.Merge(Metadata, metadata, replace);
        UpdatedAt = now;
    }

    public bool RemoveMetadataKey(string key, DateTime now)
    {
        if (StringMap.Without(Metadata, key) is not { } rest) return false;
        Metadata = rest;
        UpdatedAt = now;
        return true;
    }

    public void BeginDeletion(bool force, DateTime now)
    {
        var ok = Status is SnapshotStatus.Available or SnapshotStatus.Error
                 || (force && Status is not SnapshotStatus.Deleting);
        if (!ok)
            throw new InvalidSnapshotStateException(DeleteRefused);
        MoveTo(SnapshotStatus.Deleting, now);
    }

    public void MarkAvailable(DateTime now) => MoveTo(SnapshotStatus.Available, now);

    /// <summary>Its volume is being reverted to it: <c>restoring</c> until the revert ends, well or not.</summary>
    public void BeginRestore(DateTime now)
    {
        if (Status != SnapshotStatus.Available) throw new InvalidOperationException($"Snapshot {Id} cannot restore from {Status}.");
        MoveTo(SnapshotStatus.Restoring, now);
    }

    /// <summary>A backup is read from it: <c>backing-up</c> until the backup ends, well or not.</summary>
    public void BeginBackup(DateTime now)
    {
        if (Status != SnapshotStatus.Available)
            throw new InvalidSnapshotStateException($"Snapshot to be backed up must be available, but the current status is \"{Status}\".");
        MoveTo(SnapshotStatus.BackingUp, now);
    }

    /// <summary>The backup read from it ended: available again (a reset meanwhile stands).</summary>
    public void EndBackup(DateTime now)
    {
        if (Status == SnapshotStatus.BackingUp) MoveTo(SnapshotStatus.Available, now);
    }

    public void MarkFailed(SnapshotStatus status, DateTime now) => MoveTo(status, now);

    /// <summary>Its volume was transferred with its snapshots: the snapshot is the accepting project's now.</summary>
    public void ChangeOwner(string projectId, string userId, DateTime now)
    {
        ProjectId = projectId;
        UserId = userId;
        UpdatedAt = now;
    }

    /// <summary>Clones still need the backend snapshot; keep it, out of the tenant's sight.</summary>
    public void Hide(DateTime now) { Hidden = true; UpdatedAt = now; }

    public void ResetStatus(SnapshotStatus status, DateTime now) => MoveTo(status, now);

    private void MoveTo(SnapshotStatus next, DateTime now)
    {
        if (next != SnapshotStatus.Creating) ManagingFrom = null;
        Status = next;
        UpdatedAt = now;
        StatusChangedAt = now;
    }
}
