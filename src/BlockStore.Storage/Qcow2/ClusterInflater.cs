using System.IO.Compression;

namespace BlockStore.Storage.Qcow2;

/// <summary>Inflates one compressed qcow2 cluster: raw deflate (zlib without its header), exactly one cluster long.</summary>
internal static class ClusterInflater
{
    /// <param name="input">The compressed bytes, possibly followed by the start of the next cluster's data.</param>
    /// <param name="cluster">Receives exactly one cluster.</param>
    /// <param name="guestOffset">The cluster's guest offset, for the message.</param>
    public static void Inflate(ArraySegment<byte> input, Span<byte> cluster, long guestOffset)
    {
        try
        {
            using var stream = new DeflateStream(new MemoryStream(input.Array!, input.Offset, input.Count, writable: false), CompressionMode.Decompress);
            int produced = stream.ReadAtLeast(cluster, cluster.Length, throwOnEndOfStream: false);
            if (produced < cluster.Length)
            {
                throw Qcow2Header.Invalid($"the compressed cluster at guest offset {guestOffset} holds {produced} bytes, less than a cluster");
            }

            // Reading stops at one cluster, so a bomb costs nothing; but a stream that goes on is not qcow2.
            Span<byte> more = stackalloc byte[1];
            if (stream.Read(more) != 0)
            {
                throw Qcow2Header.Invalid($"the compressed cluster at guest offset {guestOffset} holds more than a cluster");
            }
        }
        catch (InvalidDataException e)
        {
            throw new Qcow2FormatException(
                $"The qcow2 image is damaged or malformed: the compressed cluster at guest offset {guestOffset} is not valid deflate data. Check it with 'qemu-img check'.", e);
        }
    }
}
