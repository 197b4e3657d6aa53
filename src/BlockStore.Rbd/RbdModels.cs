namespace BlockStore.Rbd;

/// <summary>What <c>rbd_stat</c> reports about an image.</summary>
/// <param name="Size">Size in bytes.</param>
/// <param name="ObjectSize">Size of each backing object in bytes.</param>
/// <param name="ObjectCount">Number of backing objects the size spans.</param>
/// <param name="Order">Object size as a power of two.</param>
public sealed record RbdImageInfo(ulong Size, ulong ObjectSize, ulong ObjectCount, int Order);

/// <summary>An image in a pool's directory.</summary>
/// <param name="Id">The image id (stable across renames).</param>
/// <param name="Name">The image name.</param>
public sealed record RbdImageSpec(string Id, string Name);

/// <summary>A snapshot of an image.</summary>
/// <param name="Id">The snapshot id.</param>
/// <param name="Name">The snapshot name.</param>
/// <param name="Size">The image size when the snapshot was taken.</param>
public sealed record RbdSnapshotInfo(ulong Id, string Name, ulong Size);

/// <summary>An image linked to another one, as a parent or as a child (clone).</summary>
/// <param name="PoolId">Id of the pool holding the image.</param>
/// <param name="PoolName">Name of that pool.</param>
/// <param name="PoolNamespace">RADOS namespace within the pool; empty for the default.</param>
/// <param name="ImageId">The image id.</param>
/// <param name="ImageName">The image name.</param>
/// <param name="InTrash">Whether the image sits in the trash.</param>
public sealed record RbdLinkedImage(long PoolId, string PoolName, string PoolNamespace, string ImageId, string ImageName, bool InTrash);

/// <summary>The parent of a clone: an image and one of its snapshots.</summary>
/// <param name="Image">The parent image.</param>
/// <param name="SnapshotId">The parent snapshot's id.</param>
/// <param name="SnapshotName">The parent snapshot's name.</param>
public sealed record RbdParentInfo(RbdLinkedImage Image, ulong SnapshotId, string SnapshotName);

/// <summary>A client watching an image (normally: a client that has it open read-write).</summary>
/// <param name="Address">The client's address.</param>
/// <param name="Id">The client's global id (the <c>client.N</c> number).</param>
/// <param name="Cookie">The watch cookie.</param>
public sealed record RbdWatcher(string Address, long Id, ulong Cookie);

/// <summary>An extent reported by a diff: a range that is allocated (or, since a snapshot, changed).</summary>
/// <param name="Offset">Start, in bytes.</param>
/// <param name="Length">Length, in bytes.</param>
/// <param name="Exists">True when the range holds data; false when it became a hole (discarded or zeroed) since the snapshot.</param>
public readonly record struct RbdExtent(ulong Offset, ulong Length, bool Exists);

/// <summary>What a diff covers; see <see cref="RbdImage.DiffIterateAsync"/>.</summary>
public sealed class RbdDiffOptions
{
    /// <summary>Report only changes since this snapshot; null reports every allocated extent.</summary>
    public string? FromSnapshot { get; init; }

    /// <summary>For a clone without <see cref="FromSnapshot"/>: also report extents allocated in the parent.</summary>
    public bool IncludeParent { get; init; }

    /// <summary>
    /// Report whole objects from the object map instead of exact extents. librbd honours it only
    /// when fast-diff is enabled and valid; otherwise it falls back to exact extents.
    /// </summary>
    public bool WholeObject { get; init; }

    /// <summary>Start of the range to examine, in bytes.</summary>
    public ulong Offset { get; init; }

    /// <summary>Length of the range to examine; null means up to the end of the image.</summary>
    public ulong? Length { get; init; }
}

/// <summary>Why an image is in the trash (<c>rbd_trash_image_source_t</c>).</summary>
public enum RbdTrashSource
{
    /// <summary>Moved there by a user.</summary>
    User = 0,

    /// <summary>Moved there by mirroring.</summary>
    Mirroring = 1,

    /// <summary>The source of a live migration.</summary>
    Migration = 2,

    /// <summary>Being removed.</summary>
    Removing = 3,

    /// <summary>A parent moved there by a user, kept for its clones.</summary>
    UserParent = 4,
}

/// <summary>An image in the trash.</summary>
/// <param name="Id">The image id; restore and remove address trash entries by id.</param>
/// <param name="Name">The name the image had.</param>
/// <param name="Source">Why it is there.</param>
/// <param name="DeletedAt">When it was moved there.</param>
/// <param name="DefermentEndsAt">Before this time it can only be removed with force.</param>
public sealed record RbdTrashEntry(string Id, string Name, RbdTrashSource Source, DateTimeOffset DeletedAt, DateTimeOffset DefermentEndsAt);

/// <summary>An OSD-side hash of part of a RADOS object (see <see cref="IoContext.ChecksumXxHash64Async"/>).</summary>
/// <param name="Hash">The XXH64 of the bytes hashed; 0 when there were none.</param>
/// <param name="HashedLength">How many bytes were hashed: the range asked for, trimmed at the object's end.</param>
/// <param name="ObjectSize">The object's size in bytes.</param>
public readonly record struct RadosChecksum(ulong Hash, ulong HashedLength, ulong ObjectSize);

/// <summary>How an image's data maps onto RADOS objects (see <see cref="RbdImage.GetDataLayout"/>).</summary>
/// <param name="BlockNamePrefix">The prefix of the data objects' names, such as <c>rbd_data.1234abcd</c>.</param>
/// <param name="ObjectSize">Bytes per data object.</param>
/// <param name="StripeUnit">Bytes written to one object before moving to the next in a stripe.</param>
/// <param name="StripeCount">Objects a stripe spans.</param>
/// <param name="DataPoolId">The pool holding the data objects: the image's own pool unless it has a separate data pool.</param>
public sealed record RbdDataLayout(string BlockNamePrefix, ulong ObjectSize, ulong StripeUnit, ulong StripeCount, long DataPoolId)
{
    /// <summary>
    /// Whether byte <c>x</c> of the image is byte <c>x % ObjectSize</c> of object <c>x / ObjectSize</c>: no
    /// fancy striping, so an image range maps onto one object per object-sized piece.
    /// </summary>
    public bool IsLinear => StripeCount == 1 && StripeUnit == ObjectSize;

    /// <summary>The name of data object <paramref name="objectNumber"/> (format 2 images: the prefix, a dot and 16 hex digits).</summary>
    public string ObjectName(ulong objectNumber) => $"{BlockNamePrefix}.{objectNumber:x16}";
}

/// <summary>State of a live migration (<c>rbd_image_migration_state_t</c>).</summary>
public enum RbdMigrationState
{
    /// <summary>Unknown.</summary>
    Unknown = -1,

    /// <summary>Failed; see the description.</summary>
    Error = 0,

    /// <summary>Being prepared.</summary>
    Preparing = 1,

    /// <summary>Prepared: the destination is usable, data not yet copied.</summary>
    Prepared = 2,

    /// <summary>Copying data.</summary>
    Executing = 3,

    /// <summary>Data copied; ready to commit.</summary>
    Executed = 4,

    /// <summary>Being aborted.</summary>
    Aborting = 5,
}

/// <summary>Status of a live migration.</summary>
/// <param name="SourcePoolId">Pool id of the source (-1 for an import).</param>
/// <param name="SourcePoolNamespace">Namespace of the source.</param>
/// <param name="SourceImageName">Name of the source image.</param>
/// <param name="SourceImageId">Id of the source image.</param>
/// <param name="DestinationPoolId">Pool id of the destination.</param>
/// <param name="DestinationPoolNamespace">Namespace of the destination.</param>
/// <param name="DestinationImageName">Name of the destination image.</param>
/// <param name="DestinationImageId">Id of the destination image.</param>
/// <param name="State">Where the migration stands.</param>
/// <param name="StateDescription">librbd's description of the state.</param>
public sealed record RbdMigrationStatus(
    long SourcePoolId,
    string SourcePoolNamespace,
    string SourceImageName,
    string SourceImageId,
    long DestinationPoolId,
    string DestinationPoolNamespace,
    string DestinationImageName,
    string DestinationImageId,
    RbdMigrationState State,
    string StateDescription);
