using System.Buffers.Binary;

namespace BlockStore.Storage.Tests.Support;

/// <summary>
/// A qcow2 image as bytes, with just enough of the layout decoded to damage it on purpose. Written
/// independently of the reader under test.
/// </summary>
public sealed class Qcow2File(byte[] bytes)
{
    public static Qcow2File Load(string path) => new(File.ReadAllBytes(path));

    public byte[] Bytes { get; } = bytes;

    public int ClusterBits => (int)U32(20);

    public int ClusterSize => 1 << ClusterBits;

    public long L1Offset => (long)U64(40);

    public int L1Size => (int)U32(36);

    /// <summary>The file offset of the first L2 table, from the first non-empty L1 entry.</summary>
    public long FirstL2Offset => (long)(Enumerable.Range(0, L1Size).Select(L1Entry).First(e => e != 0) & 0x00ff_ffff_ffff_fe00);

    public ulong L1Entry(int index) => U64(L1Offset + (index * 8L));

    /// <summary>The file offset of the first L2 entry (in the first L2 table) that is not zero.</summary>
    public long FirstUsedL2EntryOffset =>
        Enumerable.Range(0, ClusterSize / 8).Select(i => FirstL2Offset + (i * 8L)).First(at => U64(at) != 0);

    public uint U32(long at) => BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan((int)at));

    public ulong U64(long at) => BinaryPrimitives.ReadUInt64BigEndian(Bytes.AsSpan((int)at));

    public Qcow2File SetU32(long at, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Bytes.AsSpan((int)at), value);
        return this;
    }

    public Qcow2File SetU64(long at, ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(Bytes.AsSpan((int)at), value);
        return this;
    }

    public Qcow2File Truncate(long length) => new(Bytes[..(int)length]);

    public string Save(string path)
    {
        File.WriteAllBytes(path, Bytes);
        return path;
    }
}
