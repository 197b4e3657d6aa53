using System.Text.Json;

namespace BlockStore.Storage.Tests.Support;

/// <summary>qemu-img and qemu-io: the oracle the qcow2 reader is checked against.</summary>
public static class Qemu
{
    private const string QemuImg = "/usr/bin/qemu-img";
    private const string QemuIo = "/usr/bin/qemu-io";

    public static string Img(params string[] arguments)
    {
        EnsureInstalled();
        return Processes.Run(QemuImg, arguments);
    }

    /// <summary>Runs qemu-io commands (e.g. <c>write -P 0xab 1M 64k</c>) against a qcow2 image.</summary>
    public static void Io(string image, params string[] commands)
    {
        EnsureInstalled();
        Processes.Run(QemuIo, ["-f", "qcow2", .. commands.SelectMany(c => new[] { "-c", c }), image]);
    }

    /// <summary>The guest ranges qemu says hold data (compressed or not), merged when adjacent.</summary>
    public static List<Extent> DataExtents(string image)
    {
        var extents = new List<Extent>();
        using JsonDocument map = JsonDocument.Parse(Img("map", "-f", "qcow2", "--output=json", image));
        foreach (JsonElement range in map.RootElement.EnumerateArray())
        {
            if (!range.GetProperty("data").GetBoolean())
            {
                continue;
            }

            var extent = new Extent(range.GetProperty("start").GetInt64(), range.GetProperty("length").GetInt64());
            if (extents.Count > 0 && extents[^1].End == extent.Offset)
            {
                extents[^1] = extents[^1] with { Length = extents[^1].Length + extent.Length };
            }
            else
            {
                extents.Add(extent);
            }
        }

        return extents;
    }

    private static void EnsureInstalled()
    {
        if (!File.Exists(QemuImg) || !File.Exists(QemuIo))
        {
            throw new InvalidOperationException(
                $"The qcow2 tests need qemu-img and qemu-io ({QemuImg}, {QemuIo}) as their oracle. " +
                "Install them with 'apt-get install -y --no-install-recommends qemu-utils'.");
        }
    }
}
