namespace BlockStore.Storage.Copy;

/// <summary>How far a copy has come.</summary>
/// <param name="BytesCopied">
/// Allocated source bytes handled so far, earlier steps included: written and verified, or found to
/// be zero.
/// </param>
/// <param name="BytesTotal">Allocated source bytes in the whole device.</param>
/// <param name="Checkpoint">
/// The offset below which everything is copied and verified; a later call can resume from it. While a
/// step runs it is not yet flushed: only the checkpoint in <see cref="BlockCopyResult"/> is durable.
/// </param>
public readonly record struct BlockCopyProgress(long BytesCopied, long BytesTotal, long Checkpoint)
{
    /// <summary><see cref="BytesCopied"/> as a percentage of <see cref="BytesTotal"/>; 100 for an empty source.</summary>
    public double Percent => BytesTotal == 0 ? 100 : 100.0 * BytesCopied / BytesTotal;
}
