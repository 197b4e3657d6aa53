using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using BlockStore.Storage.Interop;

namespace BlockStore.Storage.Copy;

/// <summary>
/// One call of <see cref="BlockCopier.CopyAsync"/>: a producer walks the source's extents and issues
/// chunks in device order; each chunk runs as its own task, holding one of a fixed set of buffer slots.
/// The slots bound both memory and concurrency, and taking them all back is how the run waits for the
/// stragglers. A chunk checked where it lies gives its slot back before its check ends (the checks have
/// a bound of their own). Chunks finish out of order, so the checkpoint is the end of the longest
/// finished prefix, and a chunk finishes only once it is checked.
/// </summary>
internal sealed partial class CopyRun : IDisposable
{
    // A source hole is zeroed (when the destination is not known zero) in pieces this many chunks
    // long: few calls for a huge hole, yet the checkpoint still moves through it.
    private const int ChunksPerHolePiece = 256;

    // Checks of written chunks that may run behind the writes, per buffer slot (see CheckBehindAsync).
    private const int ChecksPerSlot = 4;

    private readonly BlockCopyOptions _options;
    private readonly IBlockSource _source;
    private readonly IBlockDevice _destination;
    private readonly IInPlaceVerifiable? _inPlace; // the destination, when it can check chunks where they lie
    private readonly bool _checkOnly; // nothing is written: each chunk is checked against what the destination holds
    private readonly IInPlaceVerifiable? _sourceInPlace; // checking only: the source, when both sides can hash where they store
    private readonly Stopwatch _clock;
    private readonly IProgress<BlockCopyProgress>? _progress;
    private readonly Channel<Slot> _slots;
    private readonly Slot[] _allSlots;
    private readonly SemaphoreSlim _checks;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _frontierLock = new();
    private readonly Queue<Ticket> _pending = new();

    private BlockCopyProgress _reached;
    private Exception? _failure;
    private long _issuedBytes, _issuedData;
    private int _extents;
    private long _bytesRead, _bytesWritten, _bytesVerified, _bytesSkippedAsZero, _bytesZeroed;

    public CopyRun(
        BlockCopyOptions options, IBlockSource source, IBlockDevice destination, Stopwatch clock,
        BlockCopyProgress start, IProgress<BlockCopyProgress>? progress, bool checkOnly = false)
    {
        _options = options;
        _checkOnly = checkOnly;
        _source = source;
        _destination = destination;
        _inPlace = destination is IInPlaceVerifiable { CanVerifyInPlace: true } inPlace ? inPlace : null;
        _sourceInPlace = checkOnly && _inPlace is not null
            && source is IInPlaceVerifiable { CanVerifyInPlace: true } sourceInPlace && sourceInPlace.DigestGranularity == _inPlace.DigestGranularity
            ? sourceInPlace : null;
        _clock = clock;
        _reached = start;
        _progress = progress;
        _allSlots = [.. Enumerable.Range(0, options.MaxChunksInFlight).Select(_ => new Slot())];
        _slots = Channel.CreateBounded<Slot>(options.MaxChunksInFlight);
        _checks = new SemaphoreSlim(options.MaxChunksInFlight * ChecksPerSlot);
        foreach (Slot slot in _allSlots)
        {
            _slots.Writer.TryWrite(slot);
        }
    }

    public async Task<BlockCopyResult> RunAsync(CancellationToken cancellationToken)
    {
        using CancellationTokenRegistration link = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _stop);
        bool completed = false;
        try
        {
            completed = await IssueAllAsync(_reached.Checkpoint, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // A chunk failed or the caller cancelled: sorted out once the stragglers are back.
        }
        catch
        {
            _stop.Cancel(); // the source failed: no point finishing the chunks in flight
            throw;
        }
        finally
        {
            await DrainAsync().ConfigureAwait(false);
        }

        if (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }

        cancellationToken.ThrowIfCancellationRequested();
        BlockCopyProgress reached = completed ? _reached with { Checkpoint = _source.Size } : _reached;
        return new BlockCopyResult
        {
            Checkpoint = reached.Checkpoint,
            Completed = completed,
            Progress = reached,
            BytesRead = _bytesRead,
            BytesWritten = _bytesWritten,
            BytesVerified = _bytesVerified,
            BytesSkippedAsZero = _bytesSkippedAsZero,
            BytesZeroed = _bytesZeroed,
            Extents = _extents,
            Elapsed = _clock.Elapsed,
        };
    }

    public void Dispose()
    {
        foreach (Slot slot in _allSlots)
        {
            slot.Return();
        }

        _stop.Dispose();
        _checks.Dispose();
    }

    /// <summary>Issues every chunk from <paramref name="from"/> on; false when a step bound stopped it early.</summary>
    private async Task<bool> IssueAllAsync(long from, CancellationToken token)
    {
        long size = _source.Size;
        long position = from;
        await foreach (Extent extent in _source.GetAllocatedExtentsAsync(from, token).ConfigureAwait(false))
        {
            if (extent.Offset < position || extent.Length <= 0 || extent.End > size)
            {
                throw new InvalidOperationException(
                    $"The source listed extent [{extent.Offset}, {extent.End}) out of order or outside [{position}, {size}).");
            }

            if (!await IssueHoleAsync(position, extent.Offset, token).ConfigureAwait(false))
            {
                return false;
            }

            _extents++;
            for (long at = extent.Offset; at < extent.End;)
            {
                long end = Math.Min(extent.End, at - (at % _options.ChunkSize) + _options.ChunkSize);
                if (!await IssueAsync(new Extent(at, end - at), isHole: false, token).ConfigureAwait(false))
                {
                    return false;
                }

                at = end;
            }

            position = extent.End;
        }

        return await IssueHoleAsync(position, size, token).ConfigureAwait(false);
    }

    private async Task<bool> IssueHoleAsync(long from, long to, CancellationToken token)
    {
        if (_options.DestinationIsZeroed)
        {
            return true;
        }

        long piece = (long)_options.ChunkSize * ChunksPerHolePiece;
        for (long at = from; at < to; at += piece)
        {
            if (!await IssueAsync(new Extent(at, Math.Min(piece, to - at)), isHole: true, token).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Starts one chunk once a slot is free; false (issuing nothing) when the step is over its bounds.</summary>
    private async Task<bool> IssueAsync(Extent range, bool isHole, CancellationToken token)
    {
        bool started = _issuedBytes > 0;
        if (started && (_issuedBytes >= _options.MaxBytesPerStep || _clock.Elapsed >= _options.MaxDurationPerStep))
        {
            return false;
        }

        if (!isHole)
        {
            await PaceAsync(token).ConfigureAwait(false);
        }

        Slot slot = await _slots.Reader.ReadAsync(token).ConfigureAwait(false);
        var ticket = new Ticket(range.End, isHole ? 0 : range.Length);
        lock (_frontierLock)
        {
            _pending.Enqueue(ticket);
        }

        // Holes are not source data, but they count a little so a step over holes alone still ends.
        _issuedBytes += isHole ? 1 : range.Length;
        _issuedData += isHole ? 0 : range.Length;
        _ = RunChunkAsync(range, isHole, ticket, slot, token);
        return true;
    }

    /// <summary>Under <see cref="BlockCopyOptions.MaxBytesPerSecond"/>, waits until the data issued so far is due.</summary>
    private Task PaceAsync(CancellationToken token)
    {
        if (_options.MaxBytesPerSecond is not { } rate)
        {
            return Task.CompletedTask;
        }

        // In whole milliseconds, rounded up: a timer may fire up to a tick early, never late enough to matter.
        double wait = Math.Ceiling(((double)_issuedData / rate - _clock.Elapsed.TotalSeconds) * 1000);
        return wait > 0 ? Task.Delay(TimeSpan.FromMilliseconds(wait), token) : Task.CompletedTask;
    }

    /// <summary>
    /// Waits for every chunk in flight by taking all the slots back, then all the checks: a chunk takes a check
    /// before it gives its slot back, so once every slot is here, every chunk still running holds a check; and a
    /// chunk gives its check back only after its outcome, failure included, is recorded.
    /// </summary>
    private async Task DrainAsync()
    {
        for (int i = 0; i < _allSlots.Length; i++)
        {
            await _slots.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
        }

        for (int i = 0; i < _allSlots.Length * ChecksPerSlot; i++)
        {
            await _checks.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task RunChunkAsync(Extent range, bool isHole, Ticket ticket, Slot slot, CancellationToken token)
    {
        var lease = new SlotLease(_slots.Writer, slot);
        try
        {
            if (isHole)
            {
                await _destination.WriteZeroesAsync(range.Offset, range.Length, token).ConfigureAwait(false);
                Interlocked.Add(ref _bytesZeroed, range.Length);
            }
            else
            {
                await CopyChunkAsync(range, lease, token).ConfigureAwait(false);
            }

            Complete(ticket);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped on purpose; the reason is recorded elsewhere.
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            _stop.Cancel();
        }
        finally
        {
            // Only now, with the chunk's failure recorded: once every slot and check is back, DrainAsync's caller reads
            // _failure, and a check given back before its mismatch was recorded would let the copy pass.
            lease.Return();
            if (lease.HoldsCheck)
            {
                _checks.Release();
            }
        }
    }

    /// <summary>Marks a chunk done, advances the checkpoint over the finished prefix and reports it.</summary>
    private void Complete(Ticket ticket)
    {
        // Reporting under the lock keeps reports in order, so a listener never sees the checkpoint go back.
        lock (_frontierLock)
        {
            ticket.Done = true;
            long copied = _reached.BytesCopied, checkpoint = _reached.Checkpoint;
            while (_pending.TryPeek(out Ticket? head) && head.Done)
            {
                _pending.Dequeue();
                checkpoint = head.End;
                copied += head.SourceBytes;
            }

            _reached = _reached with { BytesCopied = copied, Checkpoint = checkpoint };
            _progress?.Report(_reached);
        }
    }

    /// <summary>
    /// One chunk's hold on its slot, given back once: early, by a check running behind, or when the chunk ends; and
    /// whether the chunk holds a check, which it gives back only when it ends.
    /// </summary>
    private sealed class SlotLease(ChannelWriter<Slot> slots, Slot slot)
    {
        private int _returned;

        public Slot Slot { get; } = slot;

        public bool HoldsCheck { get; set; }

        public void Return()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                slots.TryWrite(Slot);
            }
        }
    }

    /// <summary>A chunk in flight, in issue order.</summary>
    private sealed class Ticket(long end, long sourceBytes)
    {
        public long End { get; } = end;

        public long SourceBytes { get; } = sourceBytes;

        public bool Done { get; set; }
    }

    /// <summary>
    /// The buffers one chunk in flight uses, mapped on first use and unmapped when the run ends, so a copy's
    /// memory goes back to the kernel as soon as it is over.
    /// </summary>
    private sealed class Slot
    {
        private MappedBuffer? _data, _check;

        public Memory<byte> Data(int size) => (_data ??= new MappedBuffer(size)).Memory;

        public Memory<byte> Check(int size) => (_check ??= new MappedBuffer(size)).Memory;

        public void Return()
        {
            ((IDisposable?)_data)?.Dispose();
            ((IDisposable?)_check)?.Dispose();
            _data = _check = null;
        }
    }
}
