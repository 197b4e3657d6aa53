using System.Text;
using System.Text.Json;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

/// <summary>How full a pool is, as <c>ceph df</c> reports it.</summary>
/// <param name="Pool">The pool's name.</param>
/// <param name="StoredBytes">The data the pool's objects hold (before replication).</param>
/// <param name="MaxAvailableBytes">How much more data the pool can take, given its replication and the fullest OSD it maps to.</param>
public sealed record PoolUsage(string Pool, long StoredBytes, long MaxAvailableBytes)
{
    /// <summary>What the pool could hold in all: what it stores and what it can still take.</summary>
    public long TotalBytes => StoredBytes + MaxAvailableBytes;
}

public sealed partial class RadosCluster
{
    /// <summary>
    /// Sends a command to the monitors (<c>rados_mon_command</c>) and returns its output. Blocks until a monitor
    /// answers, up to <see cref="RadosConnectOptions.MonOperationTimeout"/>.
    /// </summary>
    /// <param name="command">The command as JSON, e.g. <c>{"prefix": "df", "format": "json"}</c>.</param>
    /// <exception cref="RbdException">The monitors refused the command; the message carries their reason.</exception>
    public unsafe byte[] MonCommand(string command)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        byte[] text = Encoding.UTF8.GetBytes(command + "\0");
        fixed (byte* p = text)
        {
            byte* commands = p;
            int rc = LibRados.rados_mon_command(Handle, &commands, 1, null, 0, out byte* outbuf, out nuint outlen, out byte* outs, out nuint outslen);
            try
            {
                if (rc < 0)
                {
                    string status = outs is null ? "" : Encoding.UTF8.GetString(outs, (int)outslen).Trim();
                    throw RbdError.Create(-rc, "rados_mon_command", status.Length == 0 ? command : $"{command} ({status})");
                }

                return outbuf is null ? [] : new ReadOnlySpan<byte>(outbuf, checked((int)outlen)).ToArray();
            }
            finally
            {
                if (outbuf is not null) LibRados.rados_buffer_free(outbuf);
                if (outs is not null) LibRados.rados_buffer_free(outs);
            }
        }
    }

    /// <summary>How full <paramref name="pool"/> is, from the monitors' <c>df</c> (a client with <c>profile rbd</c> may ask).</summary>
    /// <exception cref="RbdNotFoundException">The pool does not exist.</exception>
    public PoolUsage GetPoolUsage(string pool)
    {
        ArgumentException.ThrowIfNullOrEmpty(pool);
        using JsonDocument df = JsonDocument.Parse(MonCommand("""{"prefix": "df", "format": "json"}"""));
        foreach (JsonElement entry in df.RootElement.GetProperty("pools").EnumerateArray())
        {
            if (entry.GetProperty("name").GetString() == pool)
            {
                JsonElement stats = entry.GetProperty("stats");
                return new PoolUsage(pool, stats.GetProperty("stored").GetInt64(), stats.GetProperty("max_avail").GetInt64());
            }
        }

        throw RbdError.Create(Errno.ENOENT, "df", $"pool '{pool}'");
    }

    /// <summary>
    /// The monitors of the cluster, from the monitors' own map (<c>mon dump</c>), as <c>host:port</c>: each one's v1
    /// (legacy protocol) address, which every librados client accepts, else its first address. This is what Cinder's RBD
    /// driver puts in a volume's connection info for the hypervisor to connect with.
    /// </summary>
    public IReadOnlyList<string> GetMonitorAddresses()
    {
        using JsonDocument map = JsonDocument.Parse(MonCommand("""{"prefix": "mon dump", "format": "json"}"""));
        var addresses = new List<string>();
        foreach (JsonElement mon in map.RootElement.GetProperty("mons").EnumerateArray())
        {
            string? address = null;
            if (mon.TryGetProperty("public_addrs", out JsonElement vector) && vector.TryGetProperty("addrvec", out JsonElement entries))
            {
                foreach (JsonElement entry in entries.EnumerateArray())
                {
                    address ??= entry.GetProperty("addr").GetString();
                    if (entry.GetProperty("type").GetString() == "v1") address = entry.GetProperty("addr").GetString();
                }
            }

            address ??= mon.GetProperty("addr").GetString()?.Split('/')[0];
            if (!string.IsNullOrEmpty(address)) addresses.Add(address);
        }

        return addresses;
    }
}
