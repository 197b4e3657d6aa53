namespace BlockStore.Storage.Copy;

/// <summary>What one call of <see cref="BlockCopier.CopyAsync"/> did.</summary>
public sealed record BlockCopyResult
{
    /// <summary>
    /// The offset below which the destination holds the source, flushed and verified. Pass it to the
    /// next call to resume. Equals the source size when <see cref="Completed"/>.
    /// </summary>
    public required long Checkpoint { get; init; }

    /// <summary>Whether the whole source is copied; false when the call stopped at a step bound.</summary>
    public required bool Completed { get; init; }

    /// <summary>How far the copy has come, counted over all steps.</summary>
    public required BlockCopyProgress Progress { get; init; }

    /// <summary>Bytes read from the source in this call.</summary>
    public required long BytesRead { get; init; }

    /// <summary>Bytes written to the destination in this call, not counting zeroes.</summary>
    public required long BytesWritten { get; init; }

    /// <summary>Bytes read back from the destination and compared in this call.</summary>
    public required long BytesVerified { get; init; }

    /// <summary>Allocated source bytes that were all zero and so were not written, in this call.</summary>
    public required long BytesSkippedAsZero { get; init; }

    /// <summary>Bytes zeroed on the destination in this call, when it was not known to be zero.</summary>
    public required long BytesZeroed { get; init; }

    /// <summary>Source extents this call worked on (one cut by a checkpoint is counted in both calls).</summary>
    public required int Extents { get; init; }

    /// <summary>How long the call took.</summary>
    public required TimeSpan Elapsed { get; init; }
}
