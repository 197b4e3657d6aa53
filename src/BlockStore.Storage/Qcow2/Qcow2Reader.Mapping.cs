namespace BlockStore.Storage.Qcow2;

/// <summary>From guest clusters to places in the file: L1 and L2 entries, checked as they are used.</summary>
public sealed partial class Qcow2Reader
{
    private const ulong OffsetMask = 0x00ff_ffff_ffff_fe00; // bits 9-55 of L1 entries and standard L2 entries
    private const ulong CompressedFlag = 1UL << 62;
    private const ulong ZeroFlag = 1;

    private enum ClusterKind : byte
    {
        Unallocated,
        Zero,
        Data,
        Compressed,
    }

    /// <summary>Where a guest cluster's bytes come from.</summary>
    private readonly record struct Mapping(ClusterKind Kind, long HostOffset, int CompressedLength);

    /// <summary>
    /// Checks every L1 entry that maps the virtual size: its L2 table must be a whole cluster inside the
    /// file, clear of the header and the L1 table, and no two entries may share a table. With tables
    /// distinct and inside the file, walking them all costs at most one step per 8 bytes of file.
    /// </summary>
    private void CheckL1Entries()
    {
        int used = (int)_header.L1EntriesUsed;
        int count = 0;
        for (int i = 0; i < used; i++)
        {
            long offset = (long)(_l1[i] & OffsetMask);
            if (offset == 0)
            {
                continue;
            }

            long guest = (long)i << (_header.ClusterBits + _header.L2Bits);
            if (offset % ClusterSize != 0)
            {
                throw Qcow2Header.Invalid($"the L2 table for guest offset {guest} is at {offset}, not a cluster boundary");
            }

            if (offset > _fileLength - ClusterSize)
            {
                throw Qcow2Header.Truncated($"the L2 table for guest offset {guest} lies past the end of the file");
            }

            if (OverlapsMetadata(offset, ClusterSize))
            {
                throw Qcow2Header.Invalid($"the L2 table for guest offset {guest} overlaps the header or the L1 table");
            }

            count++;
        }

        var tables = new long[count];
        count = 0;
        for (int i = 0; i < used; i++)
        {
            if ((_l1[i] & OffsetMask) is not 0 and var offset)
            {
                tables[count++] = (long)offset;
            }
        }

        Array.Sort(tables);
        for (int i = 1; i < tables.Length; i++)
        {
            if (tables[i] == tables[i - 1])
            {
                throw Qcow2Header.Invalid($"two parts of the disk share the L2 table at {tables[i]}");
            }
        }
    }

    private bool OverlapsMetadata(long offset, long length) =>
        offset < ClusterSize || (offset < _header.L1Offset + ((long)_header.L1Entries * sizeof(ulong)) && _header.L1Offset < offset + length);

    /// <summary>The L2 table for one L1 entry, or null when that part of the disk is unallocated.</summary>
    private async ValueTask<ulong[]?> GetL2TableAsync(long l1Index, CancellationToken cancellationToken)
    {
        long offset = (long)(_l1[l1Index] & OffsetMask);
        if (offset == 0)
        {
            return null;
        }

        if (_l2Cache.TryGet(offset, out ulong[]? table))
        {
            return table;
        }

        table = new ulong[ClusterSize / sizeof(ulong)];
        await ReadTableAsync(_file, offset, table, cancellationToken).ConfigureAwait(false);
        _l2Cache.Add(offset, table);
        return table;
    }

    /// <summary>Decodes the L2 entry for a guest cluster, refusing entries that point anywhere they must not.</summary>
    private Mapping Map(ulong[]? table, long cluster)
    {
        if (table is null)
        {
            return default;
        }

        ulong entry = table[cluster & ((1L << _header.L2Bits) - 1)];
        long guest = cluster << _header.ClusterBits;
        if ((entry & CompressedFlag) != 0)
        {
            return MapCompressed(entry, guest);
        }

        if ((entry & ZeroFlag) != 0)
        {
            return _header.Version >= 3
                ? new Mapping(ClusterKind.Zero, 0, 0)
                : throw Qcow2Header.Invalid($"the cluster at guest offset {guest} is marked zero, which version 2 images cannot do");
        }

        long host = (long)(entry & OffsetMask);
        if (host == 0)
        {
            return default;
        }

        if (host % ClusterSize != 0)
        {
            throw Qcow2Header.Invalid($"the data for guest offset {guest} is at {host}, not a cluster boundary");
        }

        if (host >= _fileLength)
        {
            throw Qcow2Header.Truncated($"the data for guest offset {guest} lies past the end of the file");
        }

        return OverlapsMetadata(host, ClusterSize)
            ? throw Qcow2Header.Invalid($"the data for guest offset {guest} overlaps the header or the L1 table")
            : new Mapping(ClusterKind.Data, host, 0);
    }

    /// <summary>
    /// A compressed cluster's descriptor: with x = 62 - (cluster_bits - 8), bits 0..x-1 are the byte
    /// offset of the deflate data and bits x..61 the number of 512-byte sectors it spans after the one
    /// holding that offset. The data may end before the last sector does.
    /// </summary>
    private Mapping MapCompressed(ulong entry, long guest)
    {
        int offsetBits = 62 - (_header.ClusterBits - 8);
        long host = (long)(entry & ((1UL << offsetBits) - 1));
        long sectors = (long)((entry >> offsetBits) & ((1UL << (_header.ClusterBits - 8)) - 1)) + 1;
        if (host < ClusterSize || host >= _fileLength)
        {
            throw Qcow2Header.Truncated($"the compressed data for guest offset {guest} lies outside the file");
        }

        return new Mapping(ClusterKind.Compressed, host, (int)((sectors * 512) - (host & 511)));
    }
}
