using BlockStore.Core.Errors;
using BlockStore.Core.Metadata;

namespace BlockStore.Core.Volumes;

/// <summary>Backups: a volume is <c>backing-up</c> while it is copied to the backup store, <c>restoring-backup</c> while one is written to it.</summary>
public sealed partial class Volume
{
    /// <summary>
    /// Cinder's checks before a backup of the volume itself (a backup of a snapshot leaves the volume as it is):
    /// <c>available</c>, or <c>in-use</c> with <paramref name="force"/>; the status comes back when it ends.
    /// </summary>
    public void BeginBackup(bool force, DateTime now)
    {
        RequireBackupable(force);
        MoveTo(VolumeStatus.BackingUp, now);
    }

    /// <summary>The checks of <see cref="BeginBackup"/>, in Cinder's words and order.</summary>
    public void RequireBackupable(bool force)
    {
        if (Status is not (VolumeStatus.Available or VolumeStatus.InUse))
            throw new InvalidVolumeStateException($"Volume to be backed up must be available or in-use, but the current status is \"{Status.ToWire()}\".");
        if (Status == VolumeStatus.InUse && !force) throw new InvalidVolumeStateException("Backing up an in-use volume must use the force flag.");
        if (IsMigrating) throw new InvalidVolumeStateException($"Volume {Id} is being migrated and cannot be backed up.");
    }

    /// <summary>The backup ended, well or not: back to the status before it.</summary>
    public void EndBackup(DateTime now)
    {
        RequireStatus(VolumeStatus.BackingUp, "end a backup");
        MoveTo(PreviousStatus is { } previous and not VolumeStatus.BackingUp ? previous : VolumeStatus.Available, now);
    }

    /// <summary>
    /// A restore onto the volume: <c>available</c> and at least as large as the backup (Cinder's checks); a volume made for the
    /// restore goes straight from <c>creating</c>, never seen available and empty.
    /// </summary>
    public void BeginRestore(int backupSize, DateTime now, bool madeForIt = false)
    {
        if (!(Status == VolumeStatus.Available || (madeForIt && Status == VolumeStatus.Creating))) throw new InvalidVolumeStateException("Volume to be restored to must be available");
        if (IsMigrating) throw new InvalidVolumeStateException($"Volume {Id} is being migrated and cannot be restored to.");
        if (backupSize > Size)
            throw new InvalidVolumeStateException($"volume size {Size} is too small to restore backup of size {backupSize}.");
        MoveTo(VolumeStatus.RestoringBackup, now);
    }

    /// <summary>
    /// The restore wrote every byte: the volume holds the backup's data, and with it the backup's bootable flag and image
    /// record; the metadata the volume had is merged into its own, as Cinder restores a backup's metadata.
    /// </summary>
    public void CompleteRestore(bool bootable, IReadOnlyDictionary<string, string>? imageMetadata, IReadOnlyDictionary<string, string> metadata,
        DateTime now)
    {
        RequireStatus(VolumeStatus.RestoringBackup, "complete a restore");
        Bootable = bootable;
        ImageMetadata = imageMetadata is null ? null : new Dictionary<string, string>(imageMetadata);
        Metadata = StringMap.Merge(Metadata, metadata);
        MoveTo(VolumeStatus.Available, now);
    }

    /// <summary>The restore failed part way: what the volume holds is neither its old data nor the backup's (<c>error_restoring</c>).</summary>
    public void FailRestore(DateTime now)
    {
        RequireStatus(VolumeStatus.RestoringBackup, "fail a restore");
        MoveTo(VolumeStatus.ErrorRestoring, now);
    }
}
