using BlockStore.Core.Errors;

namespace BlockStore.Core.Volumes;

/// <summary>Re-imaging (<c>os-reimage</c>, 3.68): the volume's data is rewritten with an image's, in place.</summary>
public sealed partial class Volume
{
    /// <summary>The image a re-image in progress writes; kept so that an interrupted one can be driven again.</summary>
    public Guid? ReimagingFrom { get; private set; }

    /// <summary>
    /// <c>available</c> or <c>error</c>, and <c>reserved</c> too when the caller says so (Nova rebuilding the server the
    /// volume is reserved for), go to <c>downloading</c>; anything else is refused with Cinder's message.
    /// </summary>
    public void BeginReimage(Guid imageId, bool reimageReserved, DateTime now)
    {
        RequireReimageable(reimageReserved);
        ReimagingFrom = imageId;
        MoveTo(VolumeStatus.Downloading, now);
    }

    /// <summary>The status check of <see cref="BeginReimage"/>, which Cinder makes before it looks at the image.</summary>
    public void RequireReimageable(bool reimageReserved)
    {
        var ok = Status is VolumeStatus.Available or VolumeStatus.Error || (reimageReserved && Status == VolumeStatus.Reserved);
        if (!ok || IsMigrating)
            throw new InvalidVolumeStateException(
                $"Volume {Id} status must be {(reimageReserved ? "available or error or reserved" : "available or error")}, but current status is {Status.ToWire()}.");
    }

    /// <summary>
    /// The data is the image's: the volume records the image as its source image metadata, and goes back to
    /// <c>reserved</c> if it was, else to <c>available</c> (its data is whole again, whatever the status before).
    /// </summary>
    public void CompleteReimage(IDictionary<string, string> imageMetadata, DateTime now)
    {
        RequireStatus(VolumeStatus.Downloading, "complete a re-image");
        ImageMetadata = new Dictionary<string, string>(imageMetadata);
        MoveTo(PreviousStatus == VolumeStatus.Reserved ? VolumeStatus.Reserved : VolumeStatus.Available, now);
    }
}
