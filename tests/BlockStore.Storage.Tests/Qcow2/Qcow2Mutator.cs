using System.Buffers.Binary;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Qcow2;

/// <summary>
/// Damages a valid qcow2 image the way an attacker or a bad disk would: header fields, L1 and L2
/// entries set to edge values or to other places in the file, bytes flipped, the file cut short.
/// </summary>
public sealed class Qcow2Mutator
{
    // (offset, width) of every header field up to compression_type.
    private static readonly (int Offset, int Width)[] HeaderFields =
    [
        (0, 4), (4, 4), (8, 8), (16, 4), (20, 4), (24, 8), (32, 4), (36, 4), (40, 8), (48, 8), (56, 4),
        (60, 4), (64, 8), (72, 8), (80, 8), (88, 8), (96, 4), (100, 4), (104, 1),
    ];

    private readonly byte[] _seed;
    private readonly long[] _l1Entries;
    private readonly long[] _l2Entries;
    private readonly long[] _tables;
    private readonly int _clusterSize;

    public Qcow2Mutator(byte[] seed)
    {
        _seed = seed;
        var image = new Qcow2File(seed);
        _clusterSize = image.ClusterSize;
        _l1Entries = [.. Enumerable.Range(0, image.L1Size).Select(i => image.L1Offset + (i * 8L))];
        _tables = [.. Enumerable.Range(0, image.L1Size).Select(i => (long)(image.L1Entry(i) & 0x00ff_ffff_ffff_fe00)).Where(t => t != 0)];
        _l2Entries = [.. _tables.SelectMany(t => Enumerable.Range(0, _clusterSize / 8).Select(j => t + (j * 8L)))];
    }

    public (byte[] Image, string What) Mutate(Random random)
    {
        byte[] image = (byte[])_seed.Clone();
        var what = new List<string>();
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            switch (random.Next(10))
            {
                case 0 or 1 or 2:
                    (int offset, int width) = HeaderFields[random.Next(HeaderFields.Length)];
                    what.Add($"header@{offset}={Set(image, offset, width, random)}");
                    break;
                case 3 or 4 when _l1Entries.Length > 0:
                    long l1 = _l1Entries[random.Next(_l1Entries.Length)];
                    what.Add($"L1@{l1}={Set(image, l1, 8, random)}");
                    break;
                case 5 or 6 when _l2Entries.Length > 0:
                    long l2 = random.Next(2) == 0 ? UsedL2Entry(image, random) : _l2Entries[random.Next(_l2Entries.Length)];
                    what.Add($"L2@{l2}={Set(image, l2, 8, random)}");
                    break;
                case 7:
                    int flips = random.Next(1, 16);
                    for (int f = 0; f < flips; f++)
                    {
                        image[random.Next(image.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    what.Add($"{flips} bit flips");
                    break;
                case 8:
                    int length = random.Next(image.Length);
                    what.Add($"cut to {length}");
                    return (image[..length], string.Join(", ", what));
                default:
                    what.Add("unchanged");
                    break;
            }
        }

        return (image, string.Join(", ", what));
    }

    /// <summary>An L2 entry in use, so flag and offset changes hit real data more often than empty slots.</summary>
    private long UsedL2Entry(byte[] image, Random random)
    {
        long[] used = [.. _l2Entries.Where(at => at + 8 <= image.Length && BinaryPrimitives.ReadUInt64BigEndian(image.AsSpan((int)at)) != 0)];
        return used.Length > 0 ? used[random.Next(used.Length)] : _l2Entries[random.Next(_l2Entries.Length)];
    }

    private string Set(byte[] image, long offset, int width, Random random)
    {
        Span<byte> field = image.AsSpan((int)offset, width);
        ulong old = width switch { 1 => field[0], 4 => BinaryPrimitives.ReadUInt32BigEndian(field), _ => BinaryPrimitives.ReadUInt64BigEndian(field) };
        ulong value = random.Next(12) switch
        {
            0 => 0,
            1 => 1,
            2 => ulong.MaxValue,
            3 => old + 1,
            4 => old - 1,
            5 => old ^ (1UL << random.Next(width * 8)),
            6 => old << 1,
            7 => (ulong)random.NextInt64(0, _seed.Length / _clusterSize + 2) * (ulong)_clusterSize, // another cluster of the file
            8 => _tables.Length > 0 ? (ulong)_tables[random.Next(_tables.Length)] | (old & (1UL << 63)) : old,
            9 => old | (1UL << 62), // claim compressed
            10 => (ulong)random.NextInt64(),
            _ => (ulong)_seed.Length + (ulong)random.Next(-1024, 1024),
        };

        switch (width)
        {
            case 1: field[0] = (byte)value; break;
            case 4: BinaryPrimitives.WriteUInt32BigEndian(field, (uint)value); break;
            default: BinaryPrimitives.WriteUInt64BigEndian(field, value); break;
        }

        return $"0x{value:x}";
    }
}
