using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlockStore.Core.Quotas;

/// <summary>
/// Charges and releases quota inside the caller's transaction. The charge is one statement: an upsert per
/// resource, which takes the usage row's lock until commit (concurrent creates in one project serialize
/// there), returning each new total with its limit and the per-volume limit. A request that would pass a
/// limit rolls the whole transaction back.
/// </summary>
public sealed class QuotaService(BlockStoreDbContext db, IOptions<QuotaOptions> options)
{
    private const string ChargeSql = """
        WITH up AS (
            INSERT INTO blockstore.quota_usages AS u (project_id, resource, in_use)
            SELECT @project, r.resource, r.delta FROM unnest(@resources, @deltas) AS r(resource, delta)
            ON CONFLICT (project_id, resource) DO UPDATE SET in_use = u.in_use + excluded.in_use
            RETURNING u.resource, u.in_use)
        SELECT up.resource, up.in_use, l.hard_limit,
            (SELECT pv.hard_limit FROM blockstore.quota_limits pv WHERE pv.project_id = @project AND pv.resource = @perVolume)
        FROM up LEFT JOIN blockstore.quota_limits l ON l.project_id = @project AND l.resource = up.resource
        """;

    private readonly QuotaOptions _defaults = options.Value;

    /// <summary>
    /// Charge volumes/gigabytes/snapshots. Must run inside a transaction the caller commits.
    /// <paramref name="volumeSize"/> is the size of the one volume being created or extended, checked against
    /// <c>per_volume_gigabytes</c> (Cinder checks it on both); null when no volume grows.
    /// </summary>
    public async Task ChargeAsync(string projectId, int volumes, int gigabytes, int snapshots, int? volumeSize, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Quota is charged inside the creating transaction.");
        var charges = new List<(string Resource, long Delta)>();
        if (volumes != 0) charges.Add((QuotaResources.Volumes, volumes));
        if (gigabytes != 0) charges.Add((QuotaResources.Gigabytes, gigabytes));
        if (snapshots != 0) charges.Add((QuotaResources.Snapshots, snapshots));
        if (charges.Count == 0) return;

        var rows = await RunChargeAsync(projectId, charges, ct);
        var perVolume = rows[0].PerVolumeLimit ?? _defaults.PerVolumeGigabytes;
        if (volumeSize is { } size && perVolume >= 0 && size > perVolume)
            throw new QuotaExceededException($"VolumeSizeExceedsLimit: Requested volume size {size}G is larger than maximum allowed limit {perVolume}G.");
        foreach (var (resource, inUse, hardLimit, _) in rows)
        {
            var limit = hardLimit ?? _defaults.DefaultFor(resource);
            var delta = charges.First(c => c.Resource == resource).Delta;
            if (delta <= 0 || limit < 0 || inUse <= limit) continue;
            var consumed = inUse - delta;
            throw resource switch
            {
                QuotaResources.Gigabytes => new QuotaExceededException(
                    $"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested {delta}G, quota is {limit}G and {consumed}G has been consumed."),
                QuotaResources.Snapshots => new QuotaExceededException(
                    $"SnapshotLimitExceeded: Maximum number of snapshots allowed ({limit}) exceeded for quota 'snapshots'."),
                _ => new QuotaExceededException(
                    $"VolumeLimitExceeded: Maximum number of volumes allowed ({limit}) exceeded for quota '{resource}'."),
            };
        }
    }

    /// <summary>Charge one image to its owner, inside the creating transaction; over the limit rolls it back with 413.</summary>
    public async Task ChargeImageAsync(string projectId, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Quota is charged inside the creating transaction.");
        var (_, inUse, hardLimit, _) = (await RunChargeAsync(projectId, [(QuotaResources.Images, 1)], ct)).Single();
        var limit = hardLimit ?? _defaults.Images;
        if (limit >= 0 && inUse > limit)
            throw new QuotaExceededException($"ImageLimitExceeded: Maximum number of images allowed ({limit}) exceeded for quota '{QuotaResources.Images}'.");
    }

    public Task ReleaseImageAsync(string projectId, CancellationToken ct) => RunChargeAsync(projectId, [(QuotaResources.Images, -1)], ct);

    /// <summary>Give quota back when the counted row goes away (negative charge, never refused).</summary>
    public Task ReleaseAsync(string projectId, int volumes, int gigabytes, int snapshots, CancellationToken ct)
    {
        var charges = new List<(string, long)>();
        if (volumes != 0) charges.Add((QuotaResources.Volumes, -volumes));
        if (gigabytes != 0) charges.Add((QuotaResources.Gigabytes, -gigabytes));
        if (snapshots != 0) charges.Add((QuotaResources.Snapshots, -snapshots));
        return charges.Count == 0 ? Task.CompletedTask : RunChargeAsync(projectId, charges, ct);
    }

    /// <summary>Limits and usage of every resource, as the quota-set and limits APIs show them.</summary>
    public async Task<IReadOnlyDictionary<string, (int Limit, long InUse)>> ReportAsync(string projectId, CancellationToken ct)
    {
        var limits = await db.QuotaLimits.AsNoTracking().Where(l => l.ProjectId == projectId)
            .ToDictionaryAsync(l => l.Resource, l => l.HardLimit, ct);
        var usage = await db.QuotaUsages.AsNoTracking().Where(u => u.ProjectId == projectId)
            .ToDictionaryAsync(u => u.Resource, u => u.InUse, ct);
        return QuotaResources.All.ToDictionary(
            r => r,
            r => (limits.TryGetValue(r, out var l) ? l : _defaults.DefaultFor(r), usage.GetValueOrDefault(r)));
    }

    /// <summary>
    /// Usage per volume type, as Cinder's quota sets show it (<c>volumes_&lt;type&gt;</c>, <c>gigabytes_&lt;type&gt;</c>,
    /// <c>snapshots_&lt;type&gt;</c>), for the types the project may use or holds volumes of, oldest type first. Counted from
    /// the rows, by the rules the project-wide counters follow: every volume row, its size or, while it extends, the size
    /// it grows to, and the snapshots not hidden. No limit is kept per type.
    /// </summary>
    public async Task<IReadOnlyList<(string Type, long Volumes, long Gigabytes, long Snapshots)>> TypeUsageAsync(string projectId, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = conn.State != System.Data.ConnectionState.Open;
        if (opened) await conn.OpenAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(TypeUsageSql, conn, (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
            cmd.Parameters.AddWithValue("project", projectId);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var rows = new List<(string, long, long, long)>();
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2) + reader.GetInt64(3), reader.GetInt64(4)));
            return rows;
        }
        finally
        {
            if (opened) await conn.CloseAsync();
        }
    }

    private static readonly string TypeUsageSql = $$"""
        WITH mine AS (
            SELECT v.id, v.volume_type_id,
                CASE WHEN v.status = 'extending' AND v.extending_to > v.size THEN v.extending_to ELSE v.size END AS gigabytes
            FROM blockstore.volumes v WHERE v.project_id = @project),
        snaps AS (
            SELECT m.volume_type_id, count(*) AS n, sum(s.size) AS gigabytes
            FROM blockstore.snapshots s JOIN mine m ON m.id = s.volume_id WHERE NOT s.hidden GROUP BY m.volume_type_id)
        SELECT t.name,
            (SELECT count(*) FROM mine m WHERE m.volume_type_id = t.id),
            (SELECT coalesce(sum(m.gigabytes), 0)::bigint FROM mine m WHERE m.volume_type_id = t.id),
            coalesce((SELECT sn.gigabytes FROM snaps sn WHERE sn.volume_type_id = t.id), 0)::bigint,
            coalesce((SELECT sn.n FROM snaps sn WHERE sn.volume_type_id = t.id), 0)
        FROM blockstore.volume_types t
        WHERE {{VolumeTypeAccess.UsableSql("t")}} OR EXISTS (SELECT 1 FROM mine m WHERE m.volume_type_id = t.id)
        ORDER BY t.created_at, t.name
        """;

    private async Task<List<(string Resource, long InUse, int? HardLimit, int? PerVolumeLimit)>> RunChargeAsync(
        string projectId, List<(string Resource, long Delta)> charges, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var cmd = new NpgsqlCommand(ChargeSql, conn, (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
        cmd.Parameters.AddWithValue("project", projectId);
        cmd.Parameters.AddWithValue("resources", charges.Select(c => c.Resource).ToArray());
        cmd.Parameters.AddWithValue("deltas", charges.Select(c => c.Delta).ToArray());
        cmd.Parameters.AddWithValue("perVolume", QuotaResources.PerVolumeGigabytes);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<(string, long, int?, int?)>();
        while (await reader.ReadAsync(ct))
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3)));
        return rows;
    }
}
