namespace BlockStore.Storage;

/// <summary>The backend holds no volume with the given id.</summary>
public sealed class VolumeNotFoundException : Exception
{
    /// <summary>Creates the exception for a volume id.</summary>
    /// <param name="volumeId">The missing volume's id.</param>
    /// <param name="innerException">The backend's own error, if any.</param>
    public VolumeNotFoundException(Guid volumeId, Exception? innerException = null)
        : base($"Volume {volumeId} does not exist in the backend.", innerException) => VolumeId = volumeId;

    /// <summary>The missing volume's id.</summary>
    public Guid VolumeId { get; }
}
