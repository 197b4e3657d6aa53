namespace BlockStore.Storage;

/// <summary>The backend already holds a volume with the given id.</summary>
public sealed class VolumeAlreadyExistsException : Exception
{
    /// <summary>Creates the exception for a volume id.</summary>
    /// <param name="volumeId">The existing volume's id.</param>
    /// <param name="innerException">The backend's own error, if any.</param>
    public VolumeAlreadyExistsException(Guid volumeId, Exception? innerException = null)
        : base($"Volume {volumeId} already exists in the backend.", innerException) => VolumeId = volumeId;

    /// <summary>The existing volume's id.</summary>
    public Guid VolumeId { get; }
}
