using System.Diagnostics;

namespace BlockStore.Storage.Copy;

/// <summary>
/// Copies a block source onto a block device: only allocated extents are read, zero blocks are left as
/// holes, reads and writes overlap with bounded memory, every write is verified on the destination, and the
/// copy can be done in bounded, resumable steps.
/// </summary>
/// <remarks>
/// <para>
/// A long copy is a job that calls <see cref="CopyAsync"/> repeatedly with
/// <see cref="BlockCopyOptions.MaxBytesPerStep"/> or <see cref="BlockCopyOptions.MaxDurationPerStep"/>
/// set, committing <see cref="BlockCopyResult.Checkpoint"/> between calls. The checkpoint is only
/// returned after the destination is flushed, so a crash resumes from it without losing or re-copying
/// anything below it. The source must not change between steps.
/// </para>
/// <para>
/// Every chunk written is verified whole, skipped zero blocks included. A destination that can check itself
/// where the data lies (<see cref="IInPlaceVerifiable"/>: an RBD image, whose OSDs hash each object's share
/// with XXH64 and send back only the hash) is asked to; nothing is read back, and no second buffer is held.
/// Any other destination is read back and compared byte for byte: both copies are in this process then, a
/// vectorised compare is faster than hashing both, and it has no collisions; the price is a second buffer
/// per chunk in flight. Either way it proves the write path (offsets, the device binding, the transport)
/// rather than the media, since a read-back may be served from a cache.
/// </para>
/// </remarks>
public sealed class BlockCopier
{
    private readonly BlockCopyOptions _options;

    /// <summary>Creates a copier.</summary>
    /// <param name="options">How to copy; the defaults when null.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public BlockCopier(BlockCopyOptions? options = null)
    {
        _options = options ?? new BlockCopyOptions();
        _options.Validate();
    }

    /// <summary>
    /// Copies <paramref name="source"/> onto <paramref name="destination"/> from
    /// <paramref name="checkpoint"/> on, until the end or a step bound.
    /// </summary>
    /// <param name="source">What to copy.</param>
    /// <param name="destination">Where to copy it; at least as large as the source.</param>
    /// <param name="checkpoint">Where to start: 0, or a checkpoint returned by an earlier call.</param>
    /// <param name="progress">Told after each chunk, one call at a time; keep it cheap.</param>
    /// <param name="cancellationToken">
    /// Stops the copy promptly with an <see cref="OperationCanceledException"/>; resume from the last
    /// committed checkpoint.
    /// </param>
    /// <returns>The new checkpoint and what the call did.</returns>
    /// <exception cref="BlockVerificationException">A range checked on the destination differs from the source.</exception>
    public async Task<BlockCopyResult> CopyAsync(
        IBlockSource source,
        IBlockDevice destination,
        long checkpoint = 0,
        IProgress<BlockCopyProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        long size = source.Size;
        if (destination.Size < size)
        {
            throw new ArgumentException(
                $"The destination ({destination.Size} bytes) is smaller than the source ({size} bytes).", nameof(destination));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(checkpoint);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(checkpoint, size);

        var clock = Stopwatch.StartNew();
        (long total, long copiedBefore) = await MeasureAsync(source, checkpoint, cancellationToken).ConfigureAwait(false);

        using var run = new CopyRun(_options, source, destination, clock, new BlockCopyProgress(copiedBefore, total, checkpoint), progress);
        BlockCopyResult result = await run.RunAsync(cancellationToken).ConfigureAwait(false);

        // The checkpoint is a promise that everything below it survives a crash.
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return result with { Elapsed = clock.Elapsed };
    }

    /// <summary>
    /// Walks all extents once to learn the allocated total and how much of it lies below the checkpoint,
    /// so progress reads the same across steps without the job having to carry it.
    /// </summary>
    private static async Task<(long Total, long Below)> MeasureAsync(IBlockSource source, long checkpoint, CancellationToken cancellationToken)
    {
        long total = 0, below = 0;
        await foreach (Extent extent in source.GetAllocatedExtentsAsync(0, cancellationToken).ConfigureAwait(false))
        {
            total += extent.Length;
            below += Math.Clamp(checkpoint - extent.Offset, 0, extent.Length);
        }

        return (total, below);
    }
}
