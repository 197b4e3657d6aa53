namespace BlockStore.Storage.Qcow2;

/// <summary>
/// A qcow2 image cannot be read: it is damaged, hostile, or uses a feature BlockStore does not
/// support. The message is written for the tenant who uploaded the image.
/// </summary>
public sealed class Qcow2FormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the image, in words a tenant can act on.</param>
    /// <param name="innerException">The lower-level error, if any.</param>
    public Qcow2FormatException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
