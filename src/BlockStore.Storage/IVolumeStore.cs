namespace BlockStore.Storage;

/// <summary>
/// The volumes of one configured backend (a pool of RBD images, a directory of sparse files), named
/// from the volume id.
/// </summary>
public interface IVolumeStore
{
    /// <summary>
    /// Creates a volume of <paramref name="size"/> bytes that reads as zeroes. Either the whole volume
    /// appears or nothing does.
    /// </summary>
    /// <param name="volumeId">The volume's id.</param>
    /// <param name="size">The size in bytes.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <exception cref="VolumeAlreadyExistsException">A volume with this id exists.</exception>
    Task CreateAsync(Guid volumeId, long size, CancellationToken cancellationToken = default);

    /// <summary>Opens a volume for I/O. The caller disposes the device.</summary>
    /// <param name="volumeId">The volume's id.</param>
    /// <param name="readOnly">Opens the volume for reading only.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <exception cref="VolumeNotFoundException">There is no such volume.</exception>
    Task<IBlockDevice> OpenAsync(Guid volumeId, bool readOnly = false, CancellationToken cancellationToken = default);

    /// <summary>Changes a volume's size. New space reads as zeroes.</summary>
    /// <param name="volumeId">The volume's id.</param>
    /// <param name="newSize">The new size in bytes.</param>
    /// <param name="allowShrink">Allows a size below the current one, which drops the data past it.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <exception cref="VolumeNotFoundException">There is no such volume.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The volume would shrink and <paramref name="allowShrink"/> is false.</exception>
    Task ResizeAsync(Guid volumeId, long newSize, bool allowShrink = false, CancellationToken cancellationToken = default);

    /// <summary>Deletes a volume. Deleting a volume that does not exist is not an error, so a retry is safe.</summary>
    /// <param name="volumeId">The volume's id.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <returns>Whether a volume was deleted.</returns>
    Task<bool> DeleteAsync(Guid volumeId, CancellationToken cancellationToken = default);

    /// <summary>Tells whether a volume exists.</summary>
    /// <param name="volumeId">The volume's id.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    Task<bool> ExistsAsync(Guid volumeId, CancellationToken cancellationToken = default);

    /// <summary>Lists the ids of the volumes in the backend, for the reconciler's orphan search.</summary>
    /// <param name="cancellationToken">Stops the operation.</param>
    Task<IReadOnlyList<Guid>> ListAsync(CancellationToken cancellationToken = default);
}
