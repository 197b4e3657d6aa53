using BlockStore.Core.Errors;
using BlockStore.Core.Metadata;

namespace BlockStore.Core.Volumes;

/// <summary>
/// A volume and the rules of its life. Every status change goes through a method here; the database
/// repeats the guard through the row's xmin token, so two requests can never both win a transition.
/// </summary>
public sealed partial class Volume : IHasMetadata
{
    /// <summary>Cinder's wording for a refused delete; clients and scripts match on it.</summary>
    public const string DeleteRefused =
        "Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.";

    private static readonly VolumeStatus[] Deletable =
        [VolumeStatus.Available, VolumeStatus.Error, VolumeStatus.ErrorRestoring, VolumeStatus.ErrorExtending];

    private Volume() { }

    public Guid Id { get; private set; }
    public string ProjectId { get; private set; } = "";
    public string UserId { get; private set; } = "";
    public string? Name { get; private set; }
    public string? Description { get; private set; }
    public int Size { get; private set; }
    public VolumeStatus Status { get; private set; }
    /// <summary>The status to return to when a transient operation (retype, upload) ends.</summary>
    public VolumeStatus? PreviousStatus { get; private set; }
    public string AvailabilityZone { get; private set; } = "nova";
    public Guid VolumeTypeId { get; private set; }
    /// <summary>Name of the configured backend that holds the data (<c>Backends:&lt;name&gt;</c>).</summary>
    public string Backend { get; private set; } = "";
    public bool Bootable { get; private set; }
    public Dictionary<string, string> Metadata { get; private set; } = [];
    /// <summary>
    /// Cinder's <c>readonly</c> admin metadata, set by <c>os-update_readonly_flag</c> (null until then): the mode an
    /// attachment gets. Shown in the volume's <c>metadata</c> as <c>"True"</c> or <c>"False"</c>, as Cinder shows it.
    /// </summary>
    public bool? ReadOnly { get; private set; }
    public Guid? SnapshotId { get; private set; }
    public Guid? SourceVolumeId { get; private set; }
    /// <summary>The image the volume was made from; its data is a clone of that image's snapshot.</summary>
    public Guid? ImageId { get; private set; }
    /// <summary>Cinder's <c>volume_image_metadata</c>: the image's record as it was when the volume was made.</summary>
    public Dictionary<string, string>? ImageMetadata { get; private set; }
    public MigrationStatus? MigrationStatus { get; private set; }
    /// <summary>The backend a running migration copies to; the volume's image there belongs to this row until switch-over.</summary>
    public string? MigratingTo { get; private set; }
    /// <summary>The size an extend in progress is going to; kept so that an interrupted extend can be driven again.</summary>
    public int? ExtendingTo { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? UpdatedAt { get; private set; }
    /// <summary>When the status last changed; the reconciler judges stuck transitions by it.</summary>
    public DateTime StatusChangedAt { get; private set; }
    /// <summary>Postgres xmin, the optimistic concurrency token.</summary>
    public uint Version { get; private set; }

    /// <summary>A migration has started and not yet succeeded or failed.</summary>
    public bool IsMigrating => MigrationStatus.IsRunning();

    /// <summary>Made from a snapshot, another volume or an image: an RBD clone, until a flatten detaches it.</summary>
    public bool IsClone => SnapshotId is not null || SourceVolumeId is not null || ImageId is not null;

    /// <summary>The backend's name for the data: the RBD image name, or the file name.</summary>
    public string ImageName => ImageNameOf(Id);

    /// <summary>The image name of the volume <paramref name="id"/>.</summary>
    public static string ImageNameOf(Guid id) => $"{ImagePrefix}{id}";

    private const string ImagePrefix = "volume-";

    /// <summary>The volume id in an image name made by <see cref="ImageName"/>; null for any other image (probes, other tools).</summary>
    public static Guid? IdOfImage(string image) =>
        image.StartsWith(ImagePrefix, StringComparison.Ordinal) && Guid.TryParseExact(image.AsSpan(ImagePrefix.Length), "D", out var id) ? id : null;

    public static Volume Create(
        string projectId, string userId, int size, string? name, string? description, Guid volumeTypeId, string backend,
        string availabilityZone, IDictionary<string, string>? metadata, Guid? snapshotId, Guid? sourceVolumeId, DateTime now)
    {
        if (size < 1) throw new InvalidRequestException($"Invalid input for field/attribute size. Value: {size}. {size} is less than the minimum of 1");
        return New(projectId, userId, size, name, description, volumeTypeId, backend, availabilityZone, metadata, snapshotId, sourceVolumeId, now);
    }

    private static Volume New(
        string projectId, string userId, int size, string? name, string? description, Guid volumeTypeId, string backend,
        string availabilityZone, IDictionary<string, string>? metadata, Guid? snapshotId, Guid? sourceVolumeId, DateTime now) =>
        new()
        {
            Id = Guid.CreateVersion7(now),
            ProjectId = projectId,
            UserId = userId,
            Size = size,
            Name = name,
            Description = description,
            VolumeTypeId = volumeTypeId,
            Backend = backend,
            AvailabilityZone = availabilityZone,
            Metadata = metadata is null ? [] : new Dictionary<string, string>(metadata),
            SnapshotId = snapshotId,
            SourceVolumeId = sourceVolumeId,
            Status = VolumeStatus.Creating,
            CreatedAt = now,
            StatusChangedAt = now,
        };

    public void Update(string? name, string? description, IDictionary<string, string>? metadata, DateTime now, bool setName, bool setDescription)
    {
        if (setName) Name = name;
        if (setDescription) Description = description;
        if (metadata is not null) Metadata = new Dictionary<string, string>(metadata);
        UpdatedAt = now;
    }

    public void SetMetadata(IDictionary<string, string> metadata, bool replace, DateTime now)
    {
        RequireMetadataChangeable();
        Metadata = StringMap.Merge(Metadata, metadata, replace);
        UpdatedAt = now;
    }

    public bool RemoveMetadataKey(string key, DateTime now)
    {
        if (StringMap.Without(Metadata, key) is not { } rest) return false;
        RequireMetadataChangeable();
        Metadata = rest;
        UpdatedAt = now;
        return true;
    }

    public void BeginDeletion(bool force, bool hasSnapshots, bool cascade, DateTime now)
    {
        var migrating = IsMigrating;
        var statusOk = force ? Status is not (VolumeStatus.Deleting or VolumeStatus.InUse or VolumeStatus.Attaching or VolumeStatus.Detaching)
                             : Deletable.Contains(Status);
        if (!statusOk || migrating || (hasSnapshots && !cascade)) throw new InvalidVolumeStateException(DeleteRefused);
        MoveTo(VolumeStatus.Deleting, now);
    }

    /// <summary>Admin force-delete: anything but an attached volume, snapshots or not (they go with it).</summary>
    public void BeginForceDeletion(DateTime now)
    {
        if (Status is VolumeStatus.InUse or VolumeStatus.Attaching or VolumeStatus.Detaching)
            throw new InvalidVolumeStateException($"Volume {Id} is attached; detach it before deleting it.");
        MoveTo(VolumeStatus.Deleting, now);
    }

    /// <summary>An extend; from 3.42 (<paramref name="allowInUse"/>) of an attached volume too, which returns to <c>in-use</c>.</summary>
    public void BeginExtend(int newSize, DateTime now, bool allowInUse = false)
    {
        if (!(Status == VolumeStatus.Available || (allowInUse && Status == VolumeStatus.InUse)))
            throw new InvalidVolumeStateException(
                $"Volume {Id} status must be {(allowInUse ? "'available' or 'in-use'" : "available")} to extend, but current status is: {Status.ToWire()}.");
        if (IsMigrating) throw new InvalidVolumeStateException($"Volume {Id} is being migrated and cannot be extended.");
        if (newSize <= Size)
            throw new InvalidRequestException($"Invalid input received: New size for extend must be greater than current size. (current: {Size}, extended: {newSize}).");
        ExtendingTo = newSize;
        MoveTo(VolumeStatus.Extending, now);
    }

    public void CompleteExtend(int newSize, DateTime now)
    {
        RequireStatus(VolumeStatus.Extending, "complete an extend");
        Size = newSize;
        ExtendingTo = null;
        MoveTo(IsHeldByAttachments(PreviousStatus) ? PreviousStatus!.Value : VolumeStatus.Available, now);
    }

    /// <summary>Offered to another project: <c>awaiting-transfer</c>, which no other operation accepts, until accepted or cancelled.</summary>
    public void BeginTransfer(DateTime now)
    {
        if (Status != VolumeStatus.Available || IsMigrating) throw new InvalidVolumeStateException("status must be available");
        MoveTo(VolumeStatus.AwaitingTransfer, now);
    }

    /// <summary>The offer was withdrawn: the volume is its project's again, as it was.</summary>
    public void CancelTransfer(DateTime now)
    {
        if (Status == VolumeStatus.AwaitingTransfer) MoveTo(VolumeStatus.Available, now);
    }

    /// <summary>The offer was accepted: the volume belongs to <paramref name="projectId"/> and its accepting user.</summary>
    public void CompleteTransfer(string projectId, string userId, DateTime now)
    {
        if (Status != VolumeStatus.AwaitingTransfer)
            throw new InvalidVolumeStateException($"Volume {Id} expected in awaiting-transfer state, but current status is: {Status.ToWire()}.");
        ProjectId = projectId;
        UserId = userId;
        MoveTo(VolumeStatus.Available, now);
    }

    /// <summary>Revert to the latest snapshot (3.40): from <c>available</c> only; the API has checked, and answers 409 otherwise.</summary>
    public void BeginRevert(DateTime now)
    {
        if (Status != VolumeStatus.Available || IsMigrating)
            throw new InvalidOperationException($"Volume {Id} cannot start a revert from {Status.ToWire()}.");
        MoveTo(VolumeStatus.Reverting, now);
    }

    public void CompleteRevert(DateTime now)
    {
        RequireStatus(VolumeStatus.Reverting, "complete a revert");
        MoveTo(VolumeStatus.Available, now);
    }

    /// <summary>
    /// Ends an extend that will not complete (it failed, it was given up, reset or force-deleted): returns the GiB it
    /// charged for the growth, which the caller gives back in the same transaction, and forgets it. 0 when none runs.
    /// </summary>
    public int AbandonExtend()
    {
        if (ExtendingTo is not { } to) return 0;
        ExtendingTo = null;
        return Math.Max(0, to - Size);
    }

    /// <summary>
    /// Starts moving the data to <paramref name="destination"/>, with Cinder's preconditions. A retype shows
    /// <c>retyping</c> until it ends; <c>os-migrate_volume</c> leaves the status alone, as Cinder does.
    /// Delete, extend, retype and snapshots are refused while <see cref="IsMigrating"/>.
    /// </summary>
    public void BeginMigration(string destination, bool retype, bool hasSnapshots, DateTime now)
    {
        if (IsMigrating)
            throw new InvalidVolumeStateException(retype ? $"Volume {Id} is already part of an active migration." : $"Volume {Id} is already being migrated.");
        if (Status != VolumeStatus.Available)
            throw new InvalidVolumeStateException($"Volume {Id} status must be available, but current status is: {Status.ToWire()}.");
        if (hasSnapshots) throw new InvalidVolumeStateException($"Volume {Id} must not have snapshots.");
        if (destination == Backend) throw new InvalidRequestException("Invalid host: Destination host must be different than the current host.");
        MigrationStatus = Volumes.MigrationStatus.Starting;
        MigratingTo = destination;
        if (retype) MoveTo(VolumeStatus.Retyping, now);
        else UpdatedAt = now;
    }

    /// <summary>
    /// An administrator's cancel, while the copy may still be undone (<c>starting</c> or <c>migrating</c>). It changes
    /// the row, so that the worker's switch-over steps, which compare-and-swap the row, cannot pass a cancel unseen.
    /// </summary>
    public void RequestMigrationCancel(DateTime now)
    {
        if (MigrationStatus is not (Volumes.MigrationStatus.Starting or Volumes.MigrationStatus.Migrating))
            throw new InvalidVolumeStateException($"Volume {Id} has no migration that can be cancelled.");
        UpdatedAt = now;
    }

    /// <summary>The destination exists and the copy is under way.</summary>
    public void MarkMigrating(DateTime now) => StepMigration(Volumes.MigrationStatus.Starting, Volumes.MigrationStatus.Migrating, now);

    /// <summary>Every byte is copied and verified; the switch-over is next.</summary>
    public void MarkMigrationCompleting(DateTime now) => StepMigration(Volumes.MigrationStatus.Migrating, Volumes.MigrationStatus.Completing, now);

    /// <summary>
    /// The switch-over: the volume now lives on the destination, with its new type after a retype, and multiattach as the
    /// destination was made. Id, name and metadata stay.
    /// </summary>
    public void CompleteMigration(Guid? newTypeId, bool multiattach, DateTime now)
    {
        if (MigrationStatus != Volumes.MigrationStatus.Completing || MigratingTo is null)
            throw new InvalidVolumeStateException($"Volume {Id} has no migration ready to complete.");
        Backend = MigratingTo;
        MigratingTo = null;
        if (newTypeId is { } type) VolumeTypeId = type;
        Multiattach = multiattach;
        EndMigration(Volumes.MigrationStatus.Success, now);
    }

    /// <summary>A failed or cancelled migration: the volume stays where it was, as it was.</summary>
    public void FailMigration(DateTime now)
    {
        MigratingTo = null;
        EndMigration(Volumes.MigrationStatus.Error, now);
    }

    private void StepMigration(MigrationStatus from, MigrationStatus to, DateTime now)
    {
        if (MigrationStatus == to) return; // a redelivered step
        if (MigrationStatus != from) throw new InvalidVolumeStateException($"Volume {Id} migration is {MigrationStatus}, not {from}.");
        MigrationStatus = to;
        UpdatedAt = now;
        StatusChangedAt = now;
    }

    private void EndMigration(MigrationStatus result, DateTime now)
    {
        MigrationStatus = result;
        if (Status == VolumeStatus.Retyping) MoveTo(PreviousStatus ?? VolumeStatus.Available, now);
        else UpdatedAt = now;
    }

    /// <summary>Cinder's checks before a snapshot; <paramref name="allowInUse"/> is <c>force</c>, or 3.66 and later.</summary>
    public void RequireAvailableForSnapshot(bool allowInUse)
    {
        if (IsMigrating) throw new InvalidVolumeStateException("Snapshot cannot be created while volume is migrating.");
        var ok = Status == VolumeStatus.Available || (allowInUse && Status == VolumeStatus.InUse);
        if (!ok)
            throw new InvalidVolumeStateException(
                $"Volume {Id} status must be {(allowInUse ? "available, in-use" : "available")}, but current status is: {Status.ToWire()}.");
    }

    public void RequireUsableAsSource()
    {
        if (Status is not (VolumeStatus.Available or VolumeStatus.InUse))
            throw new InvalidVolumeStateException($"Volume {Id} status must be available or in-use to be cloned, but current status is: {Status.ToWire()}.");
    }

    /// <summary>The volume is made from an image; it keeps a copy of the image's record, as Cinder does.</summary>
    public void SetImageSource(Guid imageId, IDictionary<string, string> imageMetadata)
    {
        if (Status != VolumeStatus.Creating) throw new InvalidOperationException("Only a new volume can be given an image source.");
        ImageId = imageId;
        ImageMetadata = new Dictionary<string, string>(imageMetadata);
    }

    /// <summary>
    /// A clone of a bootable volume, or of a snapshot of one, is bootable and carries the image record along, as in Cinder.
    /// Set when the clone is asked for: its data is the source's from the first moment.
    /// </summary>
    public void InheritBoot(bool bootable, IReadOnlyDictionary<string, string>? imageMetadata)
    {
        if (Status != VolumeStatus.Creating) throw new InvalidOperationException("Only a new volume inherits from its source.");
        if (!bootable) return;
        Bootable = true;
        ImageMetadata = imageMetadata is null ? null : new Dictionary<string, string>(imageMetadata);
    }

    /// <summary><c>os-set_image_metadata</c>: merged into the image record (which it creates if there is none).</summary>
    public void SetImageMetadata(IDictionary<string, string> metadata, DateTime now)
    {
        RequireMetadataChangeable();
        ImageMetadata = StringMap.Merge(ImageMetadata ?? [], metadata);
        UpdatedAt = now;
    }

    /// <summary><c>os-unset_image_metadata</c>; false when the key is not there. The last key gone, there is no record.</summary>
    public bool RemoveImageMetadataKey(string key, DateTime now)
    {
        if (ImageMetadata is null || StringMap.Without(ImageMetadata, key) is not { } rest) return false;
        RequireMetadataChangeable();
        ImageMetadata = rest.Count == 0 ? null : rest;
        UpdatedAt = now;
        return true;
    }

    /// <summary>Cinder's guard on metadata changes, its own and its image's: not while the volume is uploaded to an image.</summary>
    private void RequireMetadataChangeable()
    {
        if (Status == VolumeStatus.Uploading)
            throw new InvalidVolumeStateException($"Updating volume metadata is not allowed for volumes in {Status.ToWire()} status.");
    }

    /// <summary><c>os-volume_upload_image</c>: available, or in-use with <paramref name="force"/>; the status comes back afterwards.</summary>
    public void BeginUploadToImage(bool force, DateTime now)
    {
        var ok = Status == VolumeStatus.Available || (force && Status == VolumeStatus.InUse);
        if (!ok)
            throw new InvalidVolumeStateException($"Volume {Id} status must be {(force ? "available or in-use" : "available")}, but current status is: {Status.ToWire()}.");
        MoveTo(VolumeStatus.Uploading, now);
    }

    /// <summary>The upload ended, well or not: back to the status before it.</summary>
    public void EndUploadToImage(DateTime now)
    {
        RequireStatus(VolumeStatus.Uploading, "end an upload");
        MoveTo(PreviousStatus is { } previous and not VolumeStatus.Uploading ? previous : VolumeStatus.Available, now);
    }

    public void MarkAvailable(DateTime now) => MoveTo(VolumeStatus.Available, now);

    public void MarkBootable(bool bootable, DateTime now) { Bootable = bootable; UpdatedAt = now; }

    /// <summary><c>os-update_readonly_flag</c>: only while <c>available</c>, as in Cinder.</summary>
    public void SetReadOnly(bool readOnly, DateTime now)
    {
        if (Status != VolumeStatus.Available)
            throw new InvalidVolumeStateException($"Volume {Id} status must be available to update readonly flag, but current status is: {Status.ToWire()}.");
        ReadOnly = readOnly;
        UpdatedAt = now;
    }

    /// <summary>An async operation failed; the status names what failed, as Cinder's does.</summary>
    public void MarkFailed(VolumeStatus errorStatus, DateTime now)
    {
        if (errorStatus is not (VolumeStatus.Error or VolumeStatus.ErrorDeleting or VolumeStatus.ErrorExtending))
            throw new ArgumentOutOfRangeException(nameof(errorStatus));
        MoveTo(errorStatus, now);
    }

    /// <summary>Admin override; the reconciler and workers still treat the new status as the truth.</summary>
    public void ResetStatus(VolumeStatus status, MigrationStatus? migrationStatus, bool setMigrationStatus, DateTime now)
    {
        MoveTo(status, now);
        if (!setMigrationStatus) return;
        MigrationStatus = migrationStatus;
        // A migration reset to a state that is not running is abandoned: the volume stays on its backend, and
        // the job, at its next step, finds the volume no longer headed for its destination and removes it.
        if (!IsMigrating) MigratingTo = null;
    }

    /// <summary>Touch the row so that the reconciler sees the operation as alive.</summary>
    public void Heartbeat(DateTime now) => StatusChangedAt = now;

    private void RequireStatus(VolumeStatus expected, string action)
    {
        if (Status != expected)
            throw new InvalidVolumeStateException($"Volume {Id} must be {expected.ToWire()} to {action}, but is {Status.ToWire()}.");
    }

    private void MoveTo(VolumeStatus next, DateTime now)
    {
        // Only a re-image in progress names its image: leaving downloading, by any road, forgets it.
        if (next != VolumeStatus.Downloading) ReimagingFrom = null;
        // Only a volume being created can be adopting storage: once it is anything else, that storage is its own image.
        if (next != VolumeStatus.Creating) ManagingFrom = null;
        // Only an in-place retype in progress names the type it leaves.
        if (next != VolumeStatus.Retyping) (RetypingFrom, RetypingFromMultiattach) = (null, null);
        PreviousStatus = Status;
        Status = next;
        UpdatedAt = now;
        StatusChangedAt = now;
    }
}
