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
/// <para>
/// <see cref="VerifyAsync"/> checks a copy made by other means (librbd's deep copy) the same way, writing
/// nothing; when both devices hash in place with the same granularity, only their digests are compared.
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
    /// Checks that <paramref name="destination"/> holds what <paramref name="source"/> holds, for a copy made by
    /// other means (librbd's deep copy). Nothing is written. Chunk by chunk over the source's allocated extents:
    /// when both devices hash in place with the same <see cref="IInPlaceVerifiable.DigestGranularity"/>, their
    /// digests are compared and no data moves (a piece one side stores more of is read from both); otherwise the
    /// source is read and the chunk checked on the destination as <see cref="CopyAsync"/> checks its own writes.
    /// Then, wherever the source is a hole, whatever data the destination lists there must read as zeroes. The
    /// options' step bounds do not apply; the whole device is checked in one call.
    /// </summary>
    /// <param name="source">The original.</param>
    /// <param name="destination">The copy; at least as large as the source.</param>
    /// <param name="progress">Told after each chunk checked, one call at a time; keep it cheap.</param>
    /// <param name="cancellationToken">Stops the check promptly with an <see cref="OperationCanceledException"/>.</param>
    /// <returns>What was read and checked (<see cref="BlockCopyResult.BytesVerified"/>: the source's data).</returns>
    /// <exception cref="BlockVerificationException">The destination differs; the exception says where.</exception>
    public async Task<BlockCopyResult> VerifyAsync(
        IBlockSource source,
        IBlockDevice destination,
        IProgress<BlockCopyProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Size < source.Size)
        {
            throw new ArgumentException(
                $"The destination ({destination.Size} bytes) is smaller than the source ({source.Size} bytes).", nameof(destination));
        }

        var clock = Stopwatch.StartNew();
        (long total, _) = await MeasureAsync(source, 0, cancellationToken).ConfigureAwait(false);
        BlockCopyOptions whole = _options with { Verify = true, DestinationIsZeroed = true, MaxBytesPerStep = null, MaxDurationPerStep = null };
        using var run = new CopyRun(whole, source, destination, clock, new BlockCopyProgress(0, total, 0), progress, checkOnly: true);
        BlockCopyResult result = await run.RunAsync(cancellationToken).ConfigureAwait(false);
        await CheckHolesAsync(source, destination, cancellationToken).ConfigureAwait(false);
        return result with { Elapsed = clock.Elapsed };
    }

    /// <summary>
    /// Reads whatever the destination lists as data where the source lists none, and fails unless it is all
    /// zeroes. The two extent lists are walked side by side, so nothing is held but the current extent of each.
    /// </summary>
    private async Task CheckHolesAsync(IBlockSource source, IBlockDevice destination, CancellationToken cancellationToken)
    {
        var sourceExtents = source.GetAllocatedExtentsAsync(0, cancellationToken).ConfigureAwait(false).GetAsyncEnumerator();
        try
        {
            Extent? current = await sourceExtents.MoveNextAsync() ? sourceExtents.Current : null;
            byte[]? buffer = null;
            long end = source.Size;
            await foreach (Extent extent in destination.GetAllocatedExtentsAsync(0, cancellationToken).ConfigureAwait(false))
            {
                for (long at = extent.Offset; at < Math.Min(extent.End, end);)
                {
                    while (current is { } c && c.End <= at)
                    {
                        current = await sourceExtents.MoveNextAsync() ? sourceExtents.Current : null;
                    }

                    if (current is { } covering && covering.Offset <= at)
                    {
                        at = Math.Min(extent.End, covering.End);
                        continue;
                    }

                    long gapEnd = Math.Min(Math.Min(extent.End, end), current?.Offset ?? long.MaxValue);
                    buffer ??= new byte[_options.ChunkSize];
                    await CheckZeroAsync(destination, new Extent(at, gapEnd - at), buffer, cancellationToken).ConfigureAwait(false);
                    at = gapEnd;
                }
            }
        }
        finally
        {
            await sourceExtents.DisposeAsync();
        }
    }

    private static async Task CheckZeroAsync(IBlockDevice destination, Extent range, byte[] buffer, CancellationToken cancellationToken)
    {
        for (long at = range.Offset; at < range.End;)
        {
            int length = (int)Math.Min(buffer.Length, range.End - at);
            await destination.ReadAsync(at, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            int nonZero = buffer.AsSpan(0, length).IndexOfAnyExcept((byte)0);
            if (nonZero >= 0)
            {
                throw new BlockVerificationException(new Extent(at + nonZero, 1), range, written: false);
            }

            at += length;
        }
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
