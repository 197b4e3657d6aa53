namespace BlockStore.Storage.Copy;

/// <summary>How a <see cref="BlockCopier"/> moves data: chunk size, memory in flight, step bounds.</summary>
public sealed record BlockCopyOptions
{
    /// <summary>
    /// Bytes per read and write, 4 MiB by default: one RBD object, so a chunk aligned to it is one
    /// object write. Chunks are aligned to multiples of this size in the device.
    /// </summary>
    public int ChunkSize { get; init; } = 4 << 20;

    /// <summary>
    /// Chunks being read, written or verified at once, 8 by default. Memory held is at most
    /// <c>ChunkSize × MaxChunksInFlight</c>, twice that when <see cref="Verify"/> reads chunks back (a
    /// destination that cannot check itself in place). A destination that checks in place gets its chunks'
    /// buffers back before their checks end, and up to four times as many checks run behind the writes.
    /// </summary>
    public int MaxChunksInFlight { get; init; } = 8;

    /// <summary>
    /// The granularity of zero detection, 4 KiB by default (a filesystem block). Runs of all-zero
    /// blocks inside a chunk are not written, so the destination stays as sparse as the data is.
    /// </summary>
    public int ZeroBlockSize { get; init; } = 4096;

    /// <summary>
    /// Verifies every written chunk on the destination: hashed in place where the destination can
    /// (<see cref="IInPlaceVerifiable"/>), read back and compared otherwise. On by default.
    /// </summary>
    public bool Verify { get; init; } = true;

    /// <summary>
    /// Whether the destination is known to read as zeroes wherever the copy does not write, as a
    /// freshly created volume does. On by default. When off, the copier writes zeroes over the source's
    /// holes and zero blocks too, so old destination data cannot show through.
    /// </summary>
    public bool DestinationIsZeroed { get; init; } = true;

    /// <summary>
    /// Stop issuing chunks once this many allocated source bytes have been handled in one call, and
    /// return the checkpoint reached. No bound when null. At least one chunk is always handled.
    /// </summary>
    public long? MaxBytesPerStep { get; init; }

    /// <summary>Stop issuing chunks once a call has run this long, and return the checkpoint reached. No bound when null.</summary>
    public TimeSpan? MaxDurationPerStep { get; init; }

    /// <summary>
    /// Issue source data no faster than this many bytes per second, averaged from the start of each call (holes
    /// are not paced). No limit when null. It spares a shared backend from a copy that would take all it can give,
    /// as Cinder's <c>volume_copy_bps_limit</c> does.
    /// </summary>
    public long? MaxBytesPerSecond { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, 4096, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ChunkSize, 256 << 20, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxChunksInFlight, 1, nameof(MaxChunksInFlight));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxChunksInFlight, 256, nameof(MaxChunksInFlight));
        ArgumentOutOfRangeException.ThrowIfLessThan(ZeroBlockSize, 512, nameof(ZeroBlockSize));
        if (ChunkSize % ZeroBlockSize != 0)
        {
            throw new ArgumentException($"{nameof(ChunkSize)} must be a multiple of {nameof(ZeroBlockSize)}.");
        }

        if (MaxBytesPerStep is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytesPerStep), "A step must allow some bytes.");
        }

        if (MaxBytesPerSecond is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytesPerSecond), "A rate limit must allow some bytes.");
        }

        if (MaxDurationPerStep is { } duration && duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDurationPerStep), "A step must allow some time.");
        }
    }
}
