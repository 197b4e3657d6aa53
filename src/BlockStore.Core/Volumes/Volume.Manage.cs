using BlockStore.Core.Errors;

namespace BlockStore.Core.Volumes;

/// <summary>
/// Managing existing storage (<c>os-volume-manage</c>) and letting it go (<c>os-unmanage</c>). A managed volume is
/// created like any other, <c>creating</c> until the worker has renamed the storage to <see cref="ImageName"/>; an
/// unmanaged one leaves BlockStore with its data, renamed to <see cref="UnmanagedImageName"/>.
/// </summary>
public sealed partial class Volume
{
    /// <summary>
    /// The name of the storage this volume is adopting, while it is <c>creating</c>: the worker renames it to
    /// <see cref="ImageName"/>. Kept so that an interrupted manage can be driven again; forgotten when the status moves on.
    /// </summary>
    public string? ManagingFrom { get; private set; }

    /// <summary>
    /// What an unmanaged volume's storage is renamed to: outside the <c>volume-&lt;id&gt;</c> names the reconciler owns
    /// (and removes when no row claims them), and still found by the volume's id.
    /// </summary>
    public string UnmanagedImageName => $"{ImageName}{UnmanagedSuffix}";

    /// <summary>The suffix of <see cref="UnmanagedImageName"/>.</summary>
    public const string UnmanagedSuffix = ".unmanaged";

    /// <summary>
    /// A volume that adopts the storage named <paramref name="source"/> on <paramref name="backend"/>. Its size is 0
    /// until the worker has read the storage's, as in Cinder, so that the create charges the volume and not yet its GiB.
    /// </summary>
    public static Volume Manage(
        string projectId, string userId, string source, string? name, string? description, Guid volumeTypeId, string backend,
        string availabilityZone, IDictionary<string, string>? metadata, bool bootable, DateTime now)
    {
        if (string.IsNullOrWhiteSpace(source)) throw new ArgumentException("The storage to manage needs a name.", nameof(source));
        var volume = New(projectId, userId, 0, name, description, volumeTypeId, backend, availabilityZone, metadata, null, null, now);
        volume.ManagingFrom = source;
        volume.Bootable = bootable;
        return volume;
    }

    /// <summary>
    /// The worker has read the adopted storage's size: the volume takes it, in whole GiB. Returns the GiB to charge,
    /// which the caller charges in the same transaction; 0 when an earlier delivery already took the size.
    /// </summary>
    public int TakeManagedSize(int sizeGb)
    {
        if (Status != VolumeStatus.Creating || ManagingFrom is null)
            throw new InvalidVolumeStateException($"Volume {Id} is not managing existing storage.");
        if (sizeGb < 1) throw new ArgumentOutOfRangeException(nameof(sizeGb), sizeGb, "A volume has at least 1 GiB.");
        if (Size > 0) return 0;
        Size = sizeGb;
        return sizeGb;
    }

    /// <summary>The storage is this volume's image now: the volume is available.</summary>
    public void CompleteManage(DateTime now)
    {
        if (ManagingFrom is null || Size < 1) throw new InvalidVolumeStateException($"Volume {Id} has no manage ready to complete.");
        RequireStatus(VolumeStatus.Creating, "complete a manage");
        MoveTo(VolumeStatus.Available, now);
    }

    /// <summary>
    /// <c>os-unmanage</c>: Cinder's conditions for a delete without <c>force</c> or <c>cascade</c>, and its refusal in
    /// the same words; the volume shows <c>unmanaging</c> until the worker has renamed its image and removed the row.
    /// </summary>
    public void BeginUnmanage(bool hasSnapshots, DateTime now)
    {
        if (!Deletable.Contains(Status) || IsMigrating || hasSnapshots) throw new InvalidVolumeStateException(DeleteRefused);
        MoveTo(VolumeStatus.Unmanaging, now);
    }

    /// <summary>The worker could not let the storage go (it is unchanged): the volume is as it was before.</summary>
    public void AbandonUnmanage(DateTime now)
    {
        RequireStatus(VolumeStatus.Unmanaging, "abandon an unmanage");
        MoveTo(PreviousStatus is { } previous && Deletable.Contains(previous) ? previous : VolumeStatus.Available, now);
    }
}
