using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

/// <summary>
/// Options for creating, cloning, deep-copying or migrating an image (an <c>rbd_image_options_t</c>).
/// Unset values fall back to the cluster's <c>rbd_default_*</c> settings.
/// </summary>
public sealed class RbdImageOptions
{
    /// <summary>Features of the new image. Unset means the cluster default (usually <see cref="RbdFeatures.Default"/>).</summary>
    public RbdFeatures? Features { get; init; }

    /// <summary>Object size as a power of two, 12–25 (22 = 4 MiB, the default).</summary>
    public int? Order { get; init; }

    /// <summary>Stripe unit in bytes (needs <see cref="RbdFeatures.StripingV2"/> when it differs from the object size).</summary>
    public ulong? StripeUnit { get; init; }

    /// <summary>Number of objects striped over.</summary>
    public ulong? StripeCount { get; init; }

    /// <summary>A separate pool for the data objects (erasure-coded pools, for instance).</summary>
    public string? DataPool { get; init; }

    /// <summary>Clone format: 1 (needs a protected parent snapshot) or 2. Unset lets librbd choose.</summary>
    public int? CloneFormat { get; init; }

    /// <summary>For deep copy and migration: copy the data of the parent so the new image has no parent.</summary>
    public bool Flatten { get; init; }

    internal RbdImageOptionsHandle ToNative()
    {
        LibRbd.rbd_image_options_create(out RbdImageOptionsHandle handle);
        try
        {
            if (Features is { } features)
            {
                Set(handle, LibRbd.RBD_IMAGE_OPTION_FEATURES, (ulong)features);
            }

            if (Order is { } order)
            {
                Set(handle, LibRbd.RBD_IMAGE_OPTION_ORDER, (ulong)order);
            }

            if (StripeUnit is { } unit)
            {
                Set(handle, LibRbd.RBD_IMAGE_OPTION_STRIPE_UNIT, unit);
            }

            if (StripeCount is { } count)
            {
                Set(handle, LibRbd.RBD_IMAGE_OPTION_STRIPE_COUNT, count);
            }

            if (CloneFormat is { } format)
            {
                Set(handle, LibRbd.RBD_IMAGE_OPTION_CLONE_FORMAT, (ulong)format);
            }

            if (Flatten)
            {
                Set(handle, LibRbd.RBD_IMAGE_OPTION_FLATTEN, 1);
            }

            if (DataPool is not null)
            {
                RbdError.ThrowIfFailed(
                    LibRbd.rbd_image_options_set_string(handle, LibRbd.RBD_IMAGE_OPTION_DATA_POOL, DataPool),
                    "rbd_image_options_set_string");
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    internal static RbdImageOptionsHandle ToNative(RbdImageOptions? options) => (options ?? Empty).ToNative();

    private static readonly RbdImageOptions Empty = new();

    private static void Set(RbdImageOptionsHandle handle, int option, ulong value) =>
        RbdError.ThrowIfFailed(LibRbd.rbd_image_options_set_uint64(handle, option, value), "rbd_image_options_set_uint64");
}
