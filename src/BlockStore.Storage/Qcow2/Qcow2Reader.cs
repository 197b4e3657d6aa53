using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace BlockStore.Storage.Qcow2;

/// <summary>
/// Reads the guest disk inside a qcow2 file (versions 2 and 3; zero, unallocated and zlib-compressed
/// clusters) as a read-only <see cref="IBlockSource"/>, so <see cref="Copy.BlockCopier"/> can convert it
/// onto any device with holes kept and bounded memory.
/// </summary>
/// <remarks>
/// <para>
/// The file is untrusted. Every structure is checked before use and anything wrong ends in a
/// <see cref="Qcow2FormatException"/>: the header and L1 table when opening, each L2 entry when it is
/// used. Memory is bounded by the L1 table (at most 32 MiB, as in qemu), a small cache of L2 tables and a
/// few clusters per read in flight. Time is bounded by the file size for walking extents and by the
/// virtual size for reading, so check <see cref="Size"/> against what you are willing to write before
/// copying.
/// </para>
/// <para>
/// Refused: backing files, encryption, external data files, extended L2 entries, compression other than
/// zlib, images marked corrupt, unknown incompatible features. Accepted: the dirty bit, since it only
/// says refcounts may be stale and reading never uses them. Internal snapshots are ignored; the
/// current disk state is what is read.
/// </para>
/// </remarks>
public sealed partial class Qcow2Reader : IBlockSource
{
    private readonly SafeFileHandle _file;
    private readonly bool _ownsFile;
    private readonly long _fileLength;
    private readonly Qcow2Header _header;
    private readonly ulong[] _l1;
    private readonly L2TableCache _l2Cache;

    private Qcow2Reader(SafeFileHandle file, bool ownsFile, long fileLength, Qcow2Header header, ulong[] l1)
    {
        _file = file;
        _ownsFile = ownsFile;
        _fileLength = fileLength;
        _header = header;
        _l1 = l1;
        _l2Cache = new L2TableCache(header.ClusterSize);
    }

    /// <summary>The format the image was uploaded in: always <c>qcow2</c>.</summary>
    public string Format => "qcow2";

    /// <summary>The qcow2 version: 2 (compat 0.10) or 3 (compat 1.1).</summary>
    public int Version => _header.Version;

    /// <summary>The virtual size: the size of the guest disk in bytes.</summary>
    public long Size => _header.VirtualSize;

    /// <summary>The cluster size in bytes, the granularity of the image's extents.</summary>
    public int ClusterSize => _header.ClusterSize;

    /// <summary>Opens a qcow2 file; the reader closes it when disposed.</summary>
    /// <param name="path">The spooled upload.</param>
    /// <param name="cancellationToken">Stops opening.</param>
    /// <exception cref="Qcow2FormatException">The file is not a qcow2 image this reader can read.</exception>
    public static async Task<Qcow2Reader> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        try
        {
            return await OpenAsync(file, ownsFile: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens a qcow2 image from a file handle the caller keeps and closes.</summary>
    /// <param name="file">A handle open for reading.</param>
    /// <param name="cancellationToken">Stops opening.</param>
    /// <exception cref="Qcow2FormatException">The file is not a qcow2 image this reader can read.</exception>
    public static Task<Qcow2Reader> OpenAsync(SafeFileHandle file, CancellationToken cancellationToken = default) =>
        OpenAsync(file, ownsFile: false, cancellationToken);

    private static async Task<Qcow2Reader> OpenAsync(SafeFileHandle file, bool ownsFile, CancellationToken cancellationToken)
    {
        long fileLength = RandomAccess.GetLength(file);
        var start = new byte[(int)Math.Min(Qcow2Header.ReadLength, fileLength)];
        await ReadExactlyAsync(file, 0, start, cancellationToken).ConfigureAwait(false);
        Qcow2Header header = Qcow2Header.Parse(start, fileLength);
        if (header.BackingFileOffset != 0)
        {
            string name = await ReadBackingFileNameAsync(file, fileLength, header, cancellationToken).ConfigureAwait(false);
            throw new Qcow2FormatException(
                $"The qcow2 image depends on a backing file{name}, which cannot be uploaded with it. " +
                "Merge it into a standalone image with 'qemu-img convert -O qcow2' and upload that.");
        }

        var l1 = new ulong[header.L1Entries];
        await ReadTableAsync(file, header.L1Offset, l1, cancellationToken).ConfigureAwait(false);
        var reader = new Qcow2Reader(file, ownsFile, fileLength, header, l1);
        reader.CheckL1Entries();
        return reader;
    }

    /// <inheritdoc />
    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Size - buffer.Length);
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long cluster = offset >> _header.ClusterBits;
            long l1Index = cluster >> _header.L2Bits;
            int within = (int)(offset & (ClusterSize - 1));
            int length = (int)Math.Min(ClusterSize - within, buffer.Length);
            ulong[]? table = await GetL2TableAsync(l1Index, cancellationToken).ConfigureAwait(false);
            Mapping mapping = Map(table, cluster);
            switch (mapping.Kind)
            {
                case ClusterKind.Data:
                    // Clusters that follow each other in the file are read at once: qemu-img writes them in order.
                    long host = mapping.HostOffset + within;
                    for (long next = cluster + 1;
                         length < buffer.Length && (next >> _header.L2Bits) == l1Index
                         && Map(table, next) is { Kind: ClusterKind.Data } following && following.HostOffset == host + length;
                         next++)
                    {
                        length += (int)Math.Min(ClusterSize, buffer.Length - length);
                    }

                    await ReadHostAsync(host, buffer[..length], cancellationToken).ConfigureAwait(false);
                    break;
                case ClusterKind.Compressed:
                    await ReadCompressedAsync(mapping, offset - within, within, buffer[..length], cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    buffer.Span[..length].Clear();
                    break;
            }

            buffer = buffer[length..];
            offset += length;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_ownsFile)
        {
            _file.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Reads guest data from the file; the last cluster of a file may be cut short, and reads as zeroes past the end.</summary>
    private async ValueTask ReadHostAsync(long host, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int available = (int)Math.Clamp(_fileLength - host, 0, buffer.Length);
        await ReadExactlyAsync(_file, host, buffer[..available], cancellationToken).ConfigureAwait(false);
        buffer.Span[available..].Clear();
    }

    private async ValueTask ReadCompressedAsync(Mapping mapping, long guestCluster, int within, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int available = (int)Math.Min(mapping.CompressedLength, _fileLength - mapping.HostOffset);
        byte[] input = ArrayPool<byte>.Shared.Rent(available);
        byte[]? whole = buffer.Length == ClusterSize ? null : ArrayPool<byte>.Shared.Rent(ClusterSize);
        try
        {
            await ReadExactlyAsync(_file, mapping.HostOffset, input.AsMemory(0, available), cancellationToken).ConfigureAwait(false);
            Span<byte> cluster = whole is null ? buffer.Span : whole.AsSpan(0, ClusterSize);
            ClusterInflater.Inflate(new ArraySegment<byte>(input, 0, available), cluster, guestCluster);
            if (whole is not null)
            {
                cluster.Slice(within, buffer.Length).CopyTo(buffer.Span);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            if (whole is not null)
            {
                ArrayPool<byte>.Shared.Return(whole);
            }
        }
    }

    private static async ValueTask<string> ReadBackingFileNameAsync(SafeFileHandle file, long fileLength, Qcow2Header header, CancellationToken cancellationToken)
    {
        if (header.BackingFileLength is 0 or > 1023 || header.BackingFileOffset > fileLength - header.BackingFileLength)
        {
            return "";
        }

        var name = new byte[header.BackingFileLength];
        await ReadExactlyAsync(file, header.BackingFileOffset, name, cancellationToken).ConfigureAwait(false);
        string text = Encoding.UTF8.GetString(name);
        return text.Any(char.IsControl) ? "" : $" ('{text}')";
    }

    /// <summary>Reads a table of big-endian entries, a megabyte at a time so a 32 MiB L1 table is not held twice.</summary>
    private static async ValueTask ReadTableAsync(SafeFileHandle file, long offset, ulong[] entries, CancellationToken cancellationToken)
    {
        const int PieceEntries = (1 << 20) / sizeof(ulong);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(Math.Min(entries.Length, PieceEntries) * sizeof(ulong));
        try
        {
            for (int done = 0; done < entries.Length; done += PieceEntries)
            {
                int count = Math.Min(PieceEntries, entries.Length - done);
                Memory<byte> piece = bytes.AsMemory(0, count * sizeof(ulong));
                await ReadExactlyAsync(file, offset + ((long)done * sizeof(ulong)), piece, cancellationToken).ConfigureAwait(false);
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(piece.Span), entries.AsSpan(done, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static async ValueTask ReadExactlyAsync(SafeFileHandle file, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int read = await RandomAccess.ReadAsync(file, buffer, offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw Qcow2Header.Truncated($"the file ends at {offset} where more data was expected");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }
}
