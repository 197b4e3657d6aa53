namespace BlockStore.Storage.Copy;

/// <summary>A range read back from the destination did not match what was written to it.</summary>
public sealed class BlockVerificationException : Exception
{
    /// <summary>Creates the exception for the first differing byte of a written range.</summary>
    /// <param name="offset">The device offset of the first byte that differs.</param>
    /// <param name="range">The range that was written and read back.</param>
    public BlockVerificationException(long offset, Extent range)
        : base($"Verification failed: the destination differs from the source at byte {offset}, in the range " +
               $"[{range.Offset}, {range.End}) just written. The destination lost or corrupted a write; the copy " +
               "stopped and its checkpoint was not advanced past this range.")
    {
        Offset = offset;
        Range = range;
    }

    /// <summary>The device offset of the first byte that differs.</summary>
    public long Offset { get; }

    /// <summary>The range that was written and read back.</summary>
    public Extent Range { get; }
}
