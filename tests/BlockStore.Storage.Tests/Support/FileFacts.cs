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
