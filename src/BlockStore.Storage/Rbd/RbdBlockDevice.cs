using System.IO.Hashing;
using System.Runtime.CompilerServices;
using BlockStore.Rbd;

namespace BlockStore.Storage.Rbd;

/// <summary>
/// An RBD image (or one of its snapshots) seen as a block device. I/O goes through librbd's AIO calls,
/// so many requests can be in flight without a thread each; data is found with <c>rbd_diff_iterate2</c>,
/// parent included, so a clone reports what it reads through from its parent. Written ranges can be
/// checked where they are stored: each OSD hashes its object's share and sends back only the hash.
/// </summary>
public sealed class RbdBlockDevice : IBlockDevice, IInPlaceVerifiable
{
    private readonly IoContext _io;
    private readonly RbdImage _image;
    private readonly bool _writable;
    private readonly Lazy<RbdDataLayout?> _hashableLayout;

    private RbdBlockDevice(IoContext io, RbdImage image, bool writable)
    {
        _io = io;
        _image = image;
        _writable = writable;
        _hashableLayout = new Lazy<RbdDataLayout?>(FindHashableLayout);
    }

    /// <summary>Opens an image; a snapshot is always read-only.</summary>
    /// <param name="io">The pool's I/O context; it must outlive the device.</param>
    /// <param name="image">The image name.</param>
    /// <param name="writable">Opens the image for writing as well as reading.</param>
    /// <param name="snapshot">A snapshot to read, or null for the head.</param>
    /// <exception cref="RbdNotFoundException">The image or snapshot does not exist.</exception>
    public static RbdBlockDevice Open(IoContext io, string image, bool writable, string? snapshot = null)
    {
        if (writable && snapshot is not null)
        {
            throw new ArgumentException("A snapshot cannot be opened for writing.", nameof(writable));
        }

        return new RbdBlockDevice(io, RbdImage.Open(io, image, snapshot, readOnly: !writable), writable);
    }

    /// <summary>The image this device reads and writes, as <c>pool/name[@snap]</c>.</summary>
    public override string ToString() => _image.ToString();

    /// <inheritdoc />
    /// <remarks>Asked of librbd each time, so a resize elsewhere is seen at once.</remarks>
    public long Size => (long)_image.GetSize();

    /// <inheritdoc />
    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckRange(offset, buffer.Length);
        while (!buffer.IsEmpty)
        {
            int read = await _image.ReadAsync((ulong)offset, buffer, cancellationToken).ConfigureAwait(false);
            if (read <= 0)
            {
                throw new EndOfStreamException($"{_image} ended at {offset} while reading inside its size.");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Extent> GetAllocatedExtentsAsync(
        long from, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long size = Size;
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, size);
        var options = new RbdDiffOptions { Offset = (ulong)from, Length = (ulong)(size - from), IncludeParent = true };

        // librbd reports adjacent ranges separately (one per object); merge them so a copier sees runs.
        Extent? pending = null;
        await foreach (RbdExtent e in _image.DiffIterateAsync(options, cancellationToken).ConfigureAwait(false))
        {
            if (!e.Exists || e.Length == 0) continue;
            long start = Math.Max((long)e.Offset, from);
            long end = Math.Min((long)(e.Offset + e.Length), size);
            if (end <= start) continue;

            if (pending is { } p && p.End >= start)
            {
                pending = new Extent(p.Offset, Math.Max(p.End, end) - p.Offset);
                continue;
            }

            if (pending is { } done) yield return done;
            pending = new Extent(start, end - start);
        }

        if (pending is { } last) yield return last;
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        CheckRange(offset, data.Length);
        return new ValueTask(_image.WriteAsync((ulong)offset, data, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask WriteZeroesAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        CheckRange(offset, length);
        return length == 0 ? ValueTask.CompletedTask : new ValueTask(_image.WriteZeroesAsync((ulong)offset, (ulong)length, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask DiscardAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        CheckRange(offset, length);
        return length == 0 ? ValueTask.CompletedTask : new ValueTask(_image.DiscardAsync((ulong)offset, (ulong)length, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) =>
        _writable ? new ValueTask(_image.FlushAsync(cancellationToken)) : ValueTask.CompletedTask;

    /// <inheritdoc />
    public bool CanVerifyInPlace => _hashableLayout.Value is not null;

    /// <inheritdoc />
    /// <remarks>
    /// One <c>rados_read_op_checksum</c> per object the range touches, all in flight at once. An object
    /// stores bytes up to its size; past it, and when it does not exist, the image reads as zeroes, so there
    /// <paramref name="expected"/> must be zero too. The expected bytes are hashed, object by object, before this
    /// returns; the OSDs' digests are awaited after.
    /// </remarks>
    public ValueTask<Extent?> FindMismatchAsync(long offset, ReadOnlyMemory<byte> expected, CancellationToken cancellationToken = default)
    {
        RbdDataLayout layout = HashableLayout();
        CheckRange(offset, expected.Length);
        var pieces = new List<ExpectedPiece>();
        foreach (Extent piece in Pieces(offset, expected.Length, (long)layout.ObjectSize))
        {
            pieces.Add(ExpectedPiece.Of(expected.Span.Slice((int)(piece.Offset - offset), (int)piece.Length)));
        }

        return CompareAsync(offset, expected.Length, pieces, cancellationToken);
    }

    private async ValueTask<Extent?> CompareAsync(long offset, long length, List<ExpectedPiece> expected, CancellationToken cancellationToken)
    {
        // librbd's cache may still hold completed writes that the OSDs have not seen.
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PieceDigest> digests = await DigestAsync(offset, length, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < digests.Count; i++)
        {
            if (!expected[i].Matches(digests[i]))
            {
                return digests[i].Range;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public long DigestGranularity => (long)(_hashableLayout.Value?.ObjectSize ?? 0);

    /// <inheritdoc />
    /// <remarks>One <c>rados_read_op_checksum</c> per object the range touches, all in flight at once.</remarks>
    public async ValueTask<IReadOnlyList<PieceDigest>> DigestAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        RbdDataLayout layout = HashableLayout();
        CheckRange(offset, length);
        long objectSize = (long)layout.ObjectSize;
        var pieces = new List<(Extent Range, Task<RadosChecksum> Sum)>();
        foreach (Extent piece in Pieces(offset, length, objectSize))
        {
            string name = layout.ObjectName((ulong)(piece.Offset / objectSize));
            pieces.Add((piece, _io.ChecksumXxHash64Async(name, (ulong)(piece.Offset % objectSize), (ulong)piece.Length)));
        }

        var digests = new PieceDigest[pieces.Count];
        for (int i = 0; i < pieces.Count; i++)
        {
            try
            {
                RadosChecksum result = await pieces[i].Sum.WaitAsync(cancellationToken).ConfigureAwait(false);
                digests[i] = new PieceDigest(pieces[i].Range, (long)result.HashedLength, result.Hash);
            }
            catch (RbdNotFoundException)
            {
                digests[i] = new PieceDigest(pieces[i].Range, 0, 0);
            }
        }

        return digests;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _image.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The range split at object boundaries: one piece per object it touches.</summary>
    private static IEnumerable<Extent> Pieces(long offset, long length, long objectSize)
    {
        for (long at = offset; at < offset + length;)
        {
            long end = Math.Min(offset + length, at - (at % objectSize) + objectSize);
            yield return new Extent(at, end - at);
            at = end;
        }
    }

    private RbdDataLayout HashableLayout() =>
        _hashableLayout.Value ?? throw new NotSupportedException($"{_image} cannot be checked in place; read it back instead.");

    /// <summary>
    /// What one piece must hold, kept without its bytes: how many of its leading bytes hold data (the rest are zeroes),
    /// and the XXH64 state over them. The storage may hold more of the piece than that (written zeroes), so the
    /// hash is finished only once its digest says how much.
    /// </summary>
    private readonly struct ExpectedPiece(int dataLength, int length, XxHash64 hash)
    {
        private static readonly byte[] Zeroes = new byte[64 * 1024];

        public static ExpectedPiece Of(ReadOnlySpan<byte> bytes)
        {
            int dataLength = bytes.LastIndexOfAnyExcept((byte)0) + 1;
            var hash = new XxHash64();
            hash.Append(bytes[..dataLength]);
            return new ExpectedPiece(dataLength, bytes.Length, hash);
        }

        /// <summary>
        /// Whether the piece reads as expected: its stored bytes hash as ours, and it holds every data byte. Call once:
        /// it finishes the hash.
        /// </summary>
        public bool Matches(PieceDigest piece)
        {
            long stored = piece.Stored;
            if (stored == 0)
            {
                return dataLength == 0;
            }

            if (stored < dataLength || stored > length)
            {
                return false;
            }

            for (long left = stored - dataLength; left > 0; left -= Zeroes.Length)
            {
                hash.Append(Zeroes.AsSpan(0, (int)Math.Min(left, Zeroes.Length)));
            }

            return hash.GetCurrentHashAsUInt64() == piece.Hash;
        }
    }

    /// <summary>
    /// The layout when the image's bytes map straight onto its own objects in this pool, so hashing an object
    /// hashes the image's bytes: the head (a snapshot's data is not what the object holds now), one object
    /// per stripe, no separate data pool, and no parent to read through.
    /// </summary>
    private RbdDataLayout? FindHashableLayout()
    {
        RbdDataLayout layout = _image.GetDataLayout();
        bool hashable = _image.Snapshot is null && layout.IsLinear && layout.DataPoolId == _io.PoolId && _image.GetParent() is null;
        return hashable ? layout : null;
    }

    private void CheckWritable()
    {
        if (!_writable) throw new InvalidOperationException($"{_image} was opened read-only.");
    }

    private void CheckRange(long offset, long length)
    {
        long size = Size;
        if (offset < 0 || length < 0 || offset > size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) lies outside {_image} ({size} bytes).");
        }
    }
}
