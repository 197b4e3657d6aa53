namespace BlockStore.Storage.Copy;

/// <summary>The work on one chunk: read, skip zero blocks, write the rest, verify (or, checking only, just verify).</summary>
internal sealed partial class CopyRun
{
    private async Task CopyChunkAsync(Extent range, SlotLease lease, CancellationToken token)
    {
        Slot slot = lease.Slot;
        if (_sourceInPlace is not null)
        {
            await CompareInPlaceAsync(range, slot, token).ConfigureAwait(false);
            return;
        }

        int length = (int)range.Length;
        Memory<byte> data = slot.Data(_options.ChunkSize)[..length];
        await _source.ReadAsync(range.Offset, data, token).ConfigureAwait(false);
        Interlocked.Add(ref _bytesRead, length);

        if (_checkOnly)
        {
            await VerifyChunkAsync(range, slot, data, token).ConfigureAwait(false);
            Interlocked.Add(ref _bytesVerified, length);
            return;
        }

        bool wrote = false;
        foreach (Run run in FindRuns(range.Offset, data.Span, _options.ZeroBlockSize))
        {
            long offset = range.Offset + run.Start;
            if (!run.IsZero)
            {
                await _destination.WriteAsync(offset, data.Slice(run.Start, run.Length), token).ConfigureAwait(false);
                Interlocked.Add(ref _bytesWritten, run.Length);
                wrote = true;
            }
            else if (_options.DestinationIsZeroed)
            {
                Interlocked.Add(ref _bytesSkippedAsZero, run.Length);
            }
            else
            {
                await _destination.WriteZeroesAsync(offset, run.Length, token).ConfigureAwait(false);
                Interlocked.Add(ref _bytesZeroed, run.Length);
                wrote = true;
            }
        }

        if (wrote && _options.Verify)
        {
            if (_inPlace is not null)
            {
                await CheckBehindAsync(range, data, lease, token).ConfigureAwait(false);
            }
            else
            {
                await ReadBackAndCompareAsync(range.Offset, data, range, slot, token).ConfigureAwait(false);
            }

            Interlocked.Add(ref _bytesVerified, length);
        }
    }

    /// <summary>
    /// Has the destination check a written chunk where it lies, giving the chunk's buffer back as soon as the check
    /// has hashed what it expects: the next chunks are read and written while the storage hashes this one. Checks
    /// in flight are bounded on their own (<see cref="ChecksPerSlot"/>); each holds a few hashes, not a buffer.
    /// </summary>
    private async Task CheckBehindAsync(Extent range, ReadOnlyMemory<byte> data, SlotLease lease, CancellationToken token)
    {
        await _checks.WaitAsync(token).ConfigureAwait(false);
        lease.HoldsCheck = true; // released by the chunk once its outcome is recorded (RunChunkAsync)
        ValueTask<Extent?> check = _inPlace!.FindMismatchAsync(range.Offset, data, token);
        lease.Return();
        if (await check.ConfigureAwait(false) is { } differs)
        {
            throw new BlockVerificationException(differs, range, written: true);
        }
    }

    /// <summary>
    /// Checks the whole chunk on the destination, skipped zero runs included (they must read as zero too):
    /// hashed where it is stored when the destination can, or else read back into a second buffer and compared.
    /// </summary>
    private async Task VerifyChunkAsync(Extent range, Slot slot, ReadOnlyMemory<byte> data, CancellationToken token)
    {
        if (_inPlace is not null)
        {
            if (await _inPlace.FindMismatchAsync(range.Offset, data, token).ConfigureAwait(false) is { } differs)
            {
                throw new BlockVerificationException(differs, range, written: !_checkOnly);
            }

            return;
        }

        await ReadBackAndCompareAsync(range.Offset, data, range, slot, token).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the destination at <paramref name="offset"/> into the slot's second buffer and compares it with
    /// <paramref name="data"/>, failing at the first byte that differs (within the checked <paramref name="range"/>).
    /// </summary>
    private async Task ReadBackAndCompareAsync(long offset, ReadOnlyMemory<byte> data, Extent range, Slot slot, CancellationToken token)
    {
        Memory<byte> check = slot.Check(_options.ChunkSize)[..data.Length];
        await _destination.ReadAsync(offset, check, token).ConfigureAwait(false);
        int same = data.Span.CommonPrefixLength(check.Span);
        if (same != data.Length)
        {
            throw new BlockVerificationException(new Extent(offset + same, 1), range, written: !_checkOnly);
        }
    }

    /// <summary>
    /// Checking only, with both devices hashing where they store: their digests are compared piece by piece, and
    /// no data moves. A piece one side stores more of than the other (zeroes at its end, say) is read from both and
    /// compared.
    /// </summary>
    private async Task CompareInPlaceAsync(Extent range, Slot slot, CancellationToken token)
    {
        ValueTask<IReadOnlyList<PieceDigest>> fromSource = _sourceInPlace!.DigestAsync(range.Offset, range.Length, token);
        IReadOnlyList<PieceDigest> destination = await _inPlace!.DigestAsync(range.Offset, range.Length, token).ConfigureAwait(false);
        IReadOnlyList<PieceDigest> source = await fromSource.ConfigureAwait(false);
        for (int i = 0; i < source.Count; i++)
        {
            (PieceDigest mine, PieceDigest theirs) = (source[i], destination[i]);
            if (mine.Stored == theirs.Stored)
            {
                if (mine.Hash != theirs.Hash)
                {
                    throw new BlockVerificationException(mine.Range, range, written: false);
                }

                continue;
            }

            int length = (int)mine.Range.Length;
            Memory<byte> data = slot.Data(_options.ChunkSize)[..length];
            await _source.ReadAsync(mine.Range.Offset, data, token).ConfigureAwait(false);
            Interlocked.Add(ref _bytesRead, length);
            await ReadBackAndCompareAsync(mine.Range.Offset, data, range, slot, token).ConfigureAwait(false);
        }

        Interlocked.Add(ref _bytesVerified, range.Length);
    }

    /// <summary>
    /// Splits a chunk into alternating runs of data and of all-zero blocks, with block boundaries at
    /// multiples of <paramref name="blockSize"/> in the device so that holes line up with the
    /// destination's own blocks.
    /// </summary>
    private static List<Run> FindRuns(long offset, ReadOnlySpan<byte> data, int blockSize)
    {
        var runs = new List<Run>(1);
        int start = 0;
        while (start < data.Length)
        {
            int end = (int)Math.Min(data.Length, start + blockSize - ((offset + start) % blockSize));
            bool isZero = !data[start..end].ContainsAnyExcept((byte)0);
            if (runs.Count > 0 && runs[^1].IsZero == isZero)
            {
                runs[^1] = runs[^1] with { Length = end - runs[^1].Start };
            }
            else
            {
                runs.Add(new Run(start, end - start, isZero));
            }

            start = end;
        }

        return runs;
    }

    private readonly record struct Run(int Start, int Length, bool IsZero);
}
