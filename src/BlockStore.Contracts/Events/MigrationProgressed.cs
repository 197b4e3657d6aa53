namespace BlockStore.Contracts;

/// <summary>A migration's progress, sent at a bounded rate (<c>Migration:ProgressEventInterval</c>).</summary>
public sealed record MigrationProgressed(
    Guid VolumeId, string ProjectId, Guid JobId, double Percent, long BytesCopied, long BytesTotal, DateTime At);
