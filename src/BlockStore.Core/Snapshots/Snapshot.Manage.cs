using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Snapshots;

/// <summary>
/// Managing a snapshot taken outside BlockStore (<c>os-snapshot-manage</c>) and letting one go (<c>os-unmanage</c>). A
/// managed snapshot is created like any other, <c>creating</c> until the worker has renamed the backend's snapshot to
/// <see cref="BackendName"/> and protected it; an unmanaged one stays on its volume's storage, under its name.
/// </summary>
public sealed partial class Snapshot
{
    /// <summary>
    /// The name of the backend snapshot this snapshot is adopting, while it is <c>creating</c>: the worker renames it to
    /// <see cref="BackendName"/>. Kept so that an interrupted manage can be driven again; forgotten when the status moves on.
    /// </summary>
    public string? ManagingFrom { get; private set; }

    /// <summary>
    /// A snapshot of <paramref name="volume"/> that adopts its backend snapshot <paramref name="source"/>. Charged, as
    /// Cinder's is, like a snapshot taken now (one snapshot, the volume's size) until the worker has read its own size.
    /// </summary>
    public static Snapshot Manage(Volume volume, string userId, string source, string? name, string? description,
        IDictionary<string, string>? metadata, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (string.IsNullOrWhiteSpace(source)) throw new ArgumentException("The snapshot to manage needs a name.", nameof(source));
        var snapshot = Create(volume, userId, name, description, metadata, now);
        snapshot.ManagingFrom = source;
        return snapshot;
    }

    /// <summary>
    /// The worker has read the adopted snapshot's size: the snapshot takes it, in whole GiB. Returns the GiB to charge
    /// beyond what was charged when the manage was accepted (negative to give back), which the caller charges in the
    /// same transaction; 0 when the sizes agree, or when an earlier delivery took the size already.
    /// </summary>
    public int TakeManagedSize(int sizeGb)
    {
        if (Status != SnapshotStatus.Creating || ManagingFrom is null)
            throw new InvalidSnapshotStateException($"Snapshot {Id} is not managing an existing snapshot.");
        if (sizeGb < 1) throw new ArgumentOutOfRangeException(nameof(sizeGb), sizeGb, "A snapshot has at least 1 GiB.");
        var charge = sizeGb - Size;
        Size = sizeGb;
        return charge;
    }

    /// <summary>The backend snapshot is this snapshot's now: it is available.</summary>
    public void CompleteManage(DateTime now)
    {
        if (Status != SnapshotStatus.Creating || ManagingFrom is null)
            throw new InvalidSnapshotStateException($"Snapshot {Id} has no manage ready to complete.");
        MarkAvailable(now);
    }

    /// <summary>
    /// <c>os-unmanage</c>: Cinder's conditions for a delete without <c>force</c>, refused in the same words; the snapshot
    /// shows <c>unmanaging</c> until the worker has let the backend snapshot go and removed the row.
    /// </summary>
    public void BeginUnmanage(DateTime now)
    {
        if (Hidden || Status is not (SnapshotStatus.Available or SnapshotStatus.Error)) throw new InvalidSnapshotStateException(DeleteRefused);
        MoveTo(SnapshotStatus.Unmanaging, now);
    }

    /// <summary>The worker could not let the backend snapshot go (it is unchanged): the snapshot is available again.</summary>
    public void AbandonUnmanage(DateTime now)
    {
        if (Status != SnapshotStatus.Unmanaging) throw new InvalidSnapshotStateException($"Snapshot {Id} is not being unmanaged.");
        MoveTo(SnapshotStatus.Available, now);
    }
}
