using System.Buffers.Binary;

namespace BlockStore.Storage.Qcow2;

/// <summary>The fields of a qcow2 header this reader uses, checked against the spec and the file.</summary>
internal sealed record Qcow2Header
{
    /// <summary>Bytes to read to see every field used: through compression_type in a v3 header.</summary>
    public const int ReadLength = 112;

    // Limits qemu itself enforces, so anything qemu opens we open too: 2 MiB clusters, 32 MiB of L1.
    private const int MinClusterBits = 9;
    private const int MaxClusterBits = 21;
    private const int MaxL1Entries = (32 << 20) / sizeof(ulong);

    private const ulong Dirty = 1 << 0, Corrupt = 1 << 1, ExternalData = 1 << 2, CompressionType = 1 << 3, ExtendedL2 = 1 << 4;

    public required int Version { get; init; }
    public required int ClusterBits { get; init; }
    public required long VirtualSize { get; init; }
    public required int L1Entries { get; init; }
    public required long L1Offset { get; init; }
    public required long BackingFileOffset { get; init; }
    public required int BackingFileLength { get; init; }

    public int ClusterSize => 1 << ClusterBits;

    /// <summary>log2 of the entries in one L2 table (a cluster of 8-byte entries).</summary>
    public int L2Bits => ClusterBits - 3;

    /// <summary>The L1 entries needed to map the virtual size; entries past these are ignored.</summary>
    public long L1EntriesUsed => VirtualSize == 0 ? 0 : ((VirtualSize - 1) >> (ClusterBits + L2Bits)) + 1;

    /// <summary>Parses and checks the header; everything that does not touch the tables is refused here.</summary>
    /// <param name="bytes">The start of the file, up to <see cref="ReadLength"/> bytes.</param>
    /// <param name="fileLength">The length of the whole file.</param>
    public static Qcow2Header Parse(ReadOnlySpan<byte> bytes, long fileLength)
    {
        if (bytes.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(bytes) != 0x514649FB)
        {
            throw new Qcow2FormatException("The image is not in qcow2 format: it does not start with the qcow2 signature.");
        }

        if (bytes.Length < 72)
        {
            throw Truncated("its header is cut short");
        }

        uint version = U32(bytes, 4);
        if (version is not (2 or 3))
        {
            throw new Qcow2FormatException($"qcow2 version {version} is not supported; only versions 2 and 3 are.");
        }

        uint clusterBits = U32(bytes, 20);
        if (clusterBits is < MinClusterBits or > MaxClusterBits)
        {
            throw Invalid($"its cluster size (2^{clusterBits} bytes) is outside the 512 B to 2 MiB that qcow2 allows");
        }

        int clusterSize = 1 << (int)clusterBits;
        if (U32(bytes, 32) is var crypt and not 0)
        {
            string method = crypt == 2 ? "LUKS" : crypt == 1 ? "AES" : $"method {crypt}";
            throw new Qcow2FormatException(
                $"Encrypted qcow2 images ({method}) are not supported. Upload an unencrypted image.");
        }

        if (version == 3)
        {
            CheckVersion3Fields(bytes, clusterSize);
        }

        ulong size = U64(bytes, 24);
        if (size > long.MaxValue)
        {
            throw Invalid($"its virtual size ({size} bytes) is impossibly large");
        }

        if (size % 512 != 0)
        {
            throw Invalid($"its virtual size ({size} bytes) is not a whole number of 512-byte sectors");
        }

        var header = new Qcow2Header
        {
            Version = (int)version,
            ClusterBits = (int)clusterBits,
            VirtualSize = (long)size,
            L1Entries = U32(bytes, 36) is var l1 && l1 <= MaxL1Entries
                ? (int)l1
                : throw Invalid($"its L1 table ({l1} entries) is larger than the 32 MiB qcow2 allows"),
            L1Offset = (long)Math.Min(U64(bytes, 40), long.MaxValue),
            BackingFileOffset = (long)Math.Min(U64(bytes, 8), long.MaxValue),
            BackingFileLength = (int)Math.Min(U32(bytes, 16), 1024),
        };
        header.CheckL1Table(fileLength);
        return header;
    }

    internal static Qcow2FormatException Invalid(string reason) =>
        new($"The qcow2 image is damaged or malformed: {reason}. Check it with 'qemu-img check'.");

    internal static Qcow2FormatException Truncated(string reason) =>
        new($"The qcow2 image is incomplete: {reason}. Was the upload cut short?");

    private static void CheckVersion3Fields(ReadOnlySpan<byte> bytes, int clusterSize)
    {
        if (bytes.Length < 104)
        {
            throw Truncated("its version 3 header is cut short");
        }

        uint headerLength = U32(bytes, 100);
        if (headerLength < 104 || headerLength % 8 != 0 || headerLength > clusterSize)
        {
            throw Invalid($"its header length ({headerLength}) is not a multiple of 8 between 104 and the cluster size");
        }

        if (U32(bytes, 96) > 6)
        {
            throw Invalid("its refcount width is more than 64 bits");
        }

        ulong incompatible = U64(bytes, 72);
        if ((incompatible & Corrupt) != 0)
        {
            throw new Qcow2FormatException(
                "The qcow2 image is marked corrupt. Repair it with 'qemu-img check -r all' and upload it again.");
        }

        if ((incompatible & ExternalData) != 0)
        {
            throw new Qcow2FormatException(
                "The qcow2 image keeps its data in a separate file, which cannot be uploaded with it. Upload a self-contained image.");
        }

        if ((incompatible & ExtendedL2) != 0)
        {
            throw new Qcow2FormatException(
                "qcow2 images with extended L2 entries (subclusters) are not supported. Convert it with 'qemu-img convert -O qcow2' first.");
        }

        // The field exists only when the header is long enough to hold it; 0 means zlib (deflate).
        byte compression = headerLength > 104 && bytes.Length > 104 ? bytes[104] : (byte)0;
        if ((incompatible & CompressionType) != 0 || compression != 0)
        {
            throw compression switch
            {
                0 => Invalid("it sets the compression type bit but names no compression type"),
                _ when (incompatible & CompressionType) == 0 => Invalid("it names a compression type without setting the compression type bit"),
                1 => new Qcow2FormatException(
                    "qcow2 images compressed with zstd are not supported; only zlib compression is. Recompress it with 'qemu-img convert -c -o compression_type=zlib'."),
                _ => new Qcow2FormatException($"qcow2 compression type {compression} is not supported; only zlib is."),
            };
        }

        // Dirty only means the refcounts may be stale (lazy refcounts); reading never uses them.
        ulong unknown = incompatible & ~(Dirty | Corrupt | ExternalData | CompressionType | ExtendedL2);
        if (unknown != 0)
        {
            throw new Qcow2FormatException(
                $"The qcow2 image uses incompatible features that BlockStore does not know (feature bits 0x{unknown:x}).");
        }
    }

    private void CheckL1Table(long fileLength)
    {
        if (L1Entries < L1EntriesUsed)
        {
            throw Invalid($"its L1 table ({L1Entries} entries) cannot map its virtual size ({VirtualSize} bytes)");
        }

        if (L1Entries == 0)
        {
            return;
        }

        if (L1Offset % ClusterSize != 0 || L1Offset < ClusterSize)
        {
            throw Invalid($"its L1 table offset ({L1Offset}) is not a cluster boundary after the header");
        }

        if (L1Offset > fileLength - (L1Entries * (long)sizeof(ulong)))
        {
            throw Truncated($"its L1 table (at {L1Offset}, {L1Entries} entries) lies past the end of the file ({fileLength} bytes)");
        }
    }

    private static uint U32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);

    private static ulong U64(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt64BigEndian(bytes[offset..]);
}
