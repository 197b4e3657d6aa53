namespace BlockStore.Rbd;

/// <summary>RBD image features (the <c>RBD_FEATURE_*</c> bits of librbd).</summary>
[Flags]
#pragma warning disable CA1028 // The native feature mask is a uint64.
public enum RbdFeatures : ulong
#pragma warning restore CA1028
{
    /// <summary>No features.</summary>
    None = 0,

    /// <summary>Cloning from snapshots (<c>layering</c>).</summary>
    Layering = 1UL << 0,

    /// <summary>Custom striping (<c>striping</c>).</summary>
    StripingV2 = 1UL << 1,

    /// <summary>One writer at a time (<c>exclusive-lock</c>); needed by object-map and journaling.</summary>
    ExclusiveLock = 1UL << 2,

    /// <summary>Tracks which objects exist (<c>object-map</c>); needs exclusive-lock.</summary>
    ObjectMap = 1UL << 3,

    /// <summary>Fast diffs from the object map (<c>fast-diff</c>); needs object-map.</summary>
    FastDiff = 1UL << 4,

    /// <summary>Flatten also detaches snapshots of clones (<c>deep-flatten</c>).</summary>
    DeepFlatten = 1UL << 5,

    /// <summary>Journaling (<c>journaling</c>); needs exclusive-lock.</summary>
    Journaling = 1UL << 6,

    /// <summary>Data lives in a separate pool (<c>data-pool</c>); set implicitly by a data pool option.</summary>
    DataPool = 1UL << 7,

    /// <summary>Set by librbd while operations restrictions apply (<c>operations</c>).</summary>
    Operations = 1UL << 8,

    /// <summary>Set by librbd while the image is being live-migrated (<c>migrating</c>).</summary>
    Migrating = 1UL << 9,

    /// <summary>Set by librbd on non-primary mirrored images (<c>non-primary</c>).</summary>
    NonPrimary = 1UL << 10,

    /// <summary>Set by librbd while a persistent cache holds dirty data (<c>dirty-cache</c>).</summary>
    DirtyCache = 1UL << 11,

    /// <summary>librbd's default set: layering, exclusive-lock, object-map, fast-diff, deep-flatten.</summary>
    Default = Layering | ExclusiveLock | ObjectMap | FastDiff | DeepFlatten,
}
