using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

public sealed partial class RbdImage
{
    /// <summary>Takes a snapshot (<c>rbd_snap_create</c>).</summary>
    /// <exception cref="RbdExistsException">A snapshot of that name exists.</exception>
    public void CreateSnapshot(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RbdError.ThrowIfFailed(LibRbd.rbd_snap_create(Handle, name), "rbd_snap_create", SnapshotSubject(name));
    }

    /// <summary>Lists the image's snapshots (<c>rbd_snap_list</c>).</summary>
    public unsafe IReadOnlyList<RbdSnapshotInfo> ListSnapshots()
    {
        RbdImageHandle handle = Handle;
        int capacity = 16;
        while (true)
        {
            var buffer = new LibRbd.rbd_snap_info_t[capacity];
            int max = capacity;
            fixed (LibRbd.rbd_snap_info_t* snaps = buffer)
            {
                int rc = LibRbd.rbd_snap_list(handle, snaps, &max);
                if (rc == -Errno.ERANGE)
                {
                    capacity = Math.Max(max, capacity * 2);
                    continue;
                }

                int count = RbdError.ThrowIfFailed(rc, "rbd_snap_list", Subject);
                try
                {
                    var result = new List<RbdSnapshotInfo>(count);
                    for (int i = 0; i < count; i++)
                    {
                        result.Add(new RbdSnapshotInfo(snaps[i].id, NativeString.Read(snaps[i].name), snaps[i].size));
                    }

                    return result;
                }
                finally
                {
                    LibRbd.rbd_snap_list_end(snaps);
                }
            }
        }
    }

    /// <summary>Whether a snapshot of that name exists (<c>rbd_snap_exists</c>).</summary>
    public unsafe bool SnapshotExists(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        byte exists;
        RbdError.ThrowIfFailed(LibRbd.rbd_snap_exists(Handle, name, &exists), "rbd_snap_exists", SnapshotSubject(name));
        return exists != 0;
    }

    /// <summary>Protects a snapshot so clones can be made from it (<c>rbd_snap_protect</c>).</summary>
    public void ProtectSnapshot(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RbdError.ThrowIfFailed(LibRbd.rbd_snap_protect(Handle, name), "rbd_snap_protect", SnapshotSubject(name));
    }

    /// <summary>Unprotects a snapshot (<c>rbd_snap_unprotect</c>).</summary>
    /// <exception cref="RbdInUseException">Clones of the snapshot still exist (EBUSY).</exception>
    public void UnprotectSnapshot(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RbdError.ThrowIfFailed(LibRbd.rbd_snap_unprotect(Handle, name), "rbd_snap_unprotect", SnapshotSubject(name));
    }

    /// <summary>Whether a snapshot is protected (<c>rbd_snap_is_protected</c>).</summary>
    public unsafe bool IsSnapshotProtected(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        int isProtected;
        RbdError.ThrowIfFailed(LibRbd.rbd_snap_is_protected(Handle, name, &isProtected), "rbd_snap_is_protected", SnapshotSubject(name));
        return isProtected != 0;
    }

    /// <summary>
    /// Renames a snapshot (<c>rbd_snap_rename</c>). Only the name changes: the snapshot's id, data, protection and the
    /// clones that hang from it stay (a clone refers to its parent snapshot by id).
    /// </summary>
    /// <exception cref="RbdNotFoundException">No snapshot is named <paramref name="from"/>.</exception>
    /// <exception cref="RbdExistsException">A snapshot is named <paramref name="to"/> already.</exception>
    public void RenameSnapshot(string from, string to)
    {
        ArgumentException.ThrowIfNullOrEmpty(from);
        ArgumentException.ThrowIfNullOrEmpty(to);
        RbdError.ThrowIfFailed(LibRbd.rbd_snap_rename(Handle, from, to), "rbd_snap_rename", SnapshotSubject(from));
    }

    /// <summary>Removes a snapshot (<c>rbd_snap_remove</c>).</summary>
    /// <exception cref="RbdInUseException">The snapshot is protected (EBUSY).</exception>
    public void RemoveSnapshot(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RbdError.ThrowIfFailed(LibRbd.rbd_snap_remove(Handle, name), "rbd_snap_remove", SnapshotSubject(name));
    }

    /// <summary>
    /// Rolls the image back to a snapshot (<c>rbd_snap_rollback_with_progress</c>). This rewrites
    /// every object, so it runs on a dedicated thread; the token stops it between objects, leaving
    /// the image partly rolled back.
    /// </summary>
    public unsafe Task RollbackToSnapshotAsync(string name, IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        RbdImageHandle handle = Handle;
        return LongOperation.RunAsync(
            "rbd_snap_rollback_with_progress", SnapshotSubject(name), progress, cancellationToken,
            arg => LibRbd.rbd_snap_rollback_with_progress(handle, name, LongOperation.Callback, arg));
    }

    private string SnapshotSubject(string snapshot) => $"snapshot '{PoolName}/{Name}@{snapshot}'";
}
