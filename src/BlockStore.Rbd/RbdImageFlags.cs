namespace BlockStore.Rbd;

/// <summary>RBD image flags (the <c>RBD_FLAG_*</c> bits of librbd): state librbd keeps beside the features.</summary>
[Flags]
#pragma warning disable CA1028 // The native flag mask is a uint64.
public enum RbdImageFlags : ulong
#pragma warning restore CA1028
{
    /// <summary>No flags.</summary>
    None = 0,

    /// <summary>The object map does not match the objects (<c>object map invalid</c>); rebuild it.</summary>
    ObjectMapInvalid = 1UL << 0,

    /// <summary>The object map's fast-diff state cannot be trusted (<c>fast diff invalid</c>); rebuild the object map.</summary>
    FastDiffInvalid = 1UL << 1,
}
