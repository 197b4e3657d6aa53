using System.Runtime.CompilerServices;

namespace BlockStore.Storage.Qcow2;

/// <summary>Where the guest disk has data: clusters with data or compressed data, merged when adjacent.</summary>
public sealed partial class Qcow2Reader
{
    /// <inheritdoc />
    /// <remarks>
    /// Extents are whole clusters (the last one cut at the virtual size). Zero clusters and unallocated
    /// clusters are holes. Walking the extents checks every L2 entry on the way, so a damaged table shows
    /// up here, before any data is copied.
    /// </remarks>
    public async IAsyncEnumerable<Extent> GetAllocatedExtentsAsync(
        long from, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, Size);
        if (from == Size)
        {
            yield break;
        }

        int clusterBits = _header.ClusterBits;
        long lastCluster = (Size - 1) >> clusterBits;
        long start = -1, end = -1; // the extent being gathered, in guest bytes
        for (long l1Index = from >> (clusterBits + _header.L2Bits); l1Index <= lastCluster >> _header.L2Bits; l1Index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ulong[]? table = await GetL2TableAsync(l1Index, cancellationToken).ConfigureAwait(false);
            if (table is null)
            {
                continue;
            }

            long first = Math.Max(l1Index << _header.L2Bits, from >> clusterBits);
            long last = Math.Min(((l1Index + 1) << _header.L2Bits) - 1, lastCluster);
            for (long cluster = first; cluster <= last; cluster++)
            {
                if (Map(table, cluster).Kind is not (ClusterKind.Data or ClusterKind.Compressed))
                {
                    continue;
                }

                long guest = cluster << clusterBits;
                if (guest != end)
                {
                    if (start >= 0)
                    {
                        yield return Clip(start, end, from);
                    }

                    start = guest;
                }

                end = guest + ClusterSize;
            }
        }

        if (start >= 0)
        {
            yield return Clip(start, end, from);
        }
    }

    private Extent Clip(long start, long end, long from)
    {
        start = Math.Max(start, from);
        return new Extent(start, Math.Min(end, Size) - start);
    }
}
