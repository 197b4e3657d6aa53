using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Core.Services;

/// <summary>Writes the volume services' heartbeats (<see cref="ServiceRecord"/>).</summary>
public static class ServiceRegistry
{
    private const string Stamp = """
        INSERT INTO blockstore.services AS s (host, binary_name, zone, backend_up, created_at, updated_at)
        VALUES ({0}, {1}, {2}, {3}, {4}, {4})
        ON CONFLICT (host, binary_name) DO UPDATE
        SET zone = excluded.zone, backend_up = excluded.backend_up, updated_at = excluded.updated_at
        """;

    /// <summary>
    /// Stamps <c>host@backend</c> for each of <paramref name="backendsUp"/> (backend name → whether it answered) with
    /// <paramref name="now"/>; a service seen for the first time is added.
    /// </summary>
    public static async Task StampAsync(BlockStoreDbContext db, string host, string zone, IReadOnlyDictionary<string, bool> backendsUp,
        DateTime now, CancellationToken ct)
    {
        foreach (var (backend, up) in backendsUp)
        {
            await db.Database.ExecuteSqlRawAsync(Stamp, [$"{host}@{backend}", ServiceRecord.VolumeBinary, zone, up, now], ct);
        }
    }
}
