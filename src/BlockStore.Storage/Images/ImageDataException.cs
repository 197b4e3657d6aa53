namespace BlockStore.Storage.Images;

/// <summary>
/// Uploaded image data cannot become an image: too large, or not what it claims to be. The message is
/// written for the tenant who uploaded it.
/// </summary>
public sealed class ImageDataException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, in words a tenant can act on.</param>
    /// <param name="tooLarge">Whether the data passed a size limit (HTTP 413 rather than 400).</param>
    /// <param name="innerException">The lower-level error, if any.</param>
    public ImageDataException(string message, bool tooLarge = false, Exception? innerException = null)
        : base(message, innerException) => TooLarge = tooLarge;

    /// <summary>Whether the data passed a size limit.</summary>
    public bool TooLarge { get; }
}
