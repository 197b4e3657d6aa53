namespace BlockStore.Storage.Copy;

/// <summary>A range checked on the destination did not match what was written to it.</summary>
public sealed class BlockVerificationException : Exception
{
    /// <summary>Creates the exception for a written range that did not check out.</summary>
    /// <param name="differs">
    /// The smallest part known to differ: one byte when the range was read back and compared, the share of
    /// one storage object when the destination hashed it in place.
    /// </param>
    /// <param name="range">The range that was checked.</param>
    /// <param name="written">
    /// Whether this copier wrote the range just before checking it; false when it checked a copy made by other
    /// means (<see cref="BlockCopier.VerifyAsync"/>).
    /// </param>
    public BlockVerificationException(Extent differs, Extent range, bool written = true)
        : base($"Verification failed: the destination differs from the source " +
               (differs.Length == 1 ? $"at byte {differs.Offset}" : $"in [{differs.Offset}, {differs.End})") +
               (written
                   ? $", in the range [{range.Offset}, {range.End}) just written. The destination lost or corrupted a write; " +
                     "the copy stopped and its checkpoint was not advanced past this range."
                   : $", in the range [{range.Offset}, {range.End}) checked. The copy is not faithful there."))
    {
        Differs = differs;
        Range = range;
    }

    /// <summary>The device offset of the first byte known to differ, or of the part that does.</summary>
    public long Offset => Differs.Offset;

    /// <summary>The smallest part known to differ.</summary>
    public Extent Differs { get; }

    /// <summary>The range that was checked.</summary>
    public Extent Range { get; }
}
