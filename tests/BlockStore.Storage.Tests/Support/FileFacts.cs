using System.Globalization;
using System.Security.Cryptography;

namespace BlockStore.Storage.Tests.Support;

/// <summary>Facts about real files, measured without going through the code under test.</summary>
public static class FileFacts
{
    /// <summary>Bytes the filesystem has allocated to a file (st_blocks × 512), as <c>du</c> counts them.</summary>
    public static long AllocatedBytes(string path)
    {
        string[] parts = Processes.Run("stat", "-c", "%b %B", path).Split(' ', StringSplitOptions.TrimEntries);
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    /// <summary>The filesystem block size of the folder a file lives in.</summary>
    public static int BlockSize(string directory) =>
        int.Parse(Processes.Run("stat", "-f", "-c", "%S", directory).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Asserts two files hold the same bytes; a plain compare, much faster than hashing a mostly empty GiB.</summary>
    public static void ShouldHaveSameContent(string actual, string expected)
    {
        using FileStream a = File.OpenRead(actual), b = File.OpenRead(expected);
        a.Length.ShouldBe(b.Length, $"{actual} and {expected} differ in size");
        var left = new byte[4 << 20];
        var right = new byte[4 << 20];
        for (long offset = 0; offset < a.Length;)
        {
            int n = a.ReadAtLeast(left, left.Length, throwOnEndOfStream: false);
            b.ReadExactly(right, 0, n);
            int same = left.AsSpan(0, n).CommonPrefixLength(right.AsSpan(0, n));
            same.ShouldBe(n, $"{actual} differs from {expected} at byte {offset + same}");
            offset += n;
        }
    }

    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>Writes deterministic, incompressible bytes at an offset of an existing file.</summary>
    public static void WriteRandom(string path, long offset, int length, int seed)
    {
        byte[] data = RandomBytes(length, seed);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        RandomAccess.Write(handle, data, offset);
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static void CreateSparse(string path, long size)
    {
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        RandomAccess.SetLength(handle, size);
    }
}
