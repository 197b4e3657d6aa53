using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Core.Services;

/// <summary>What a worker's probe found of one backend: whether it answered and, if so, how full it is.</summary>
/// <param name="Monitors">RBD: the cluster's monitors as <c>host:port</c>, when the probe read them (<see cref="ServiceRecord.Monitors"/>).</param>
public sealed record BackendReport(bool Up, long? TotalBytes = null, long? FreeBytes = null, string[]? Monitors = null);

/// <summary>Writes the volume services' heartbeats (<see cref="ServiceRecord"/>).</summary>
public static class ServiceRegistry
{
    private const string Stamp = """
        INSERT INTO blockstore.services AS s (host, binary_name, zone, backend_up, total_bytes, free_bytes, monitors, log_levels, created_at, updated_at)
        VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {7}, {8}, {6}, {6})
        ON CONFLICT (host, binary_name) DO UPDATE
        SET zone = excluded.zone, backend_up = excluded.backend_up, total_bytes = excluded.total_bytes,
            free_bytes = excluded.free_bytes, monitors = COALESCE(excluded.monitors, s.monitors),
            log_levels = COALESCE(excluded.log_levels, s.log_levels), updated_at = excluded.updated_at
        """;

    /// <summary>
    /// Stamps <c>host@backend</c> for each of <paramref name="backends"/> (backend name → what its probe found) with
    /// <paramref name="now"/>; a service seen for the first time is added. Monitors a probe could not read keep their last value.
    /// <paramref name="logLevels"/> (a JSON object, <see cref="ServiceRecord.LogLevels"/>) replaces the rows' when given.
    /// </summary>
    public static async Task StampAsync(BlockStoreDbContext db, string host, string zone, IReadOnlyDictionary<string, BackendReport> backends,
        DateTime now, CancellationToken ct, string? logLevels = null)
    {
        foreach (var (backend, report) in backends)
            await StampOneAsync(db, $"{host}@{backend}", ServiceRecord.VolumeBinary, zone, report, now, logLevels, ct);
    }

    /// <summary>Stamps the backup service of <paramref name="host"/>, with what the probe of its backup store found.</summary>
    public static Task StampBackupAsync(BlockStoreDbContext db, string host, string zone, BackendReport store, DateTime now, CancellationToken ct,
        string? logLevels = null) =>
        StampOneAsync(db, host, ServiceRecord.BackupBinary, zone, store with { Monitors = null }, now, logLevels, ct);

    private static Task StampOneAsync(BlockStoreDbContext db, string host, string binary, string zone, BackendReport report, DateTime now,
        string? logLevels, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync(Stamp,
            [host, binary, zone, report.Up, Nullable(report.TotalBytes), Nullable(report.FreeBytes), now,
             new Npgsql.NpgsqlParameter<string[]?> { TypedValue = report.Monitors }, Jsonb(logLevels)], ct);

    /// <summary>
    /// Whether a backup service is up, enabled and reaches its store, so that a backup asked for now will be made (Cinder's
    /// check before a backup or a restore: "Service cinder-backup could not be found.").
    /// </summary>
    public static async Task<bool> IsBackupServedAsync(BlockStoreDbContext db, DateTime now, TimeSpan downAfter, CancellationToken ct)
    {
        var services = await db.Services.AsNoTracking().Where(s => s.Binary == ServiceRecord.BackupBinary && !s.Disabled).ToListAsync(ct);
        return services.Any(s => s.IsUp(now, downAfter));
    }

    /// <summary>
    /// The log levels set for the volume services of <paramref name="hosts"/> (<c>host@backend</c>), and for the backup service
    /// of <paramref name="backupHost"/> when it has one, since <paramref name="since"/>, after the request <paramref name="afterId"/>,
    /// in the order they were set.
    /// </summary>
    public static Task<List<LogLevelRequest>> LogLevelRequestsAsync(BlockStoreDbContext db, IReadOnlyCollection<string> hosts, string? backupHost,
        long afterId, DateTime since, CancellationToken ct) =>
        db.LogLevelRequests.AsNoTracking()
            .Where(r => r.Id > afterId && r.CreatedAt >= since
                && (r.Binary == ServiceRecord.VolumeBinary && hosts.Contains(r.Host) || r.Binary == ServiceRecord.BackupBinary && r.Host == backupHost))
            .OrderBy(r => r.Id).ToListAsync(ct);

    /// <summary>
    /// Takes <c>host</c>'s service of <paramref name="binary"/> out of scheduling, or puts it back; a reason given with a
    /// disable replaces the last one, and an enable keeps it for the record, as Cinder does. False when there is no such
    /// service.
    /// </summary>
    public static async Task<bool> SetDisabledAsync(BlockStoreDbContext db, string host, string binary, bool disabled, string? reason,
        CancellationToken ct) =>
        await db.Services.Where(s => s.Host == host && s.Binary == binary)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Disabled, disabled)
                .SetProperty(s => s.DisabledReason, s => reason ?? s.DisabledReason), ct) > 0;

    /// <summary>
    /// Whether no volume may be placed on <paramref name="backend"/>: it has volume services and an admin disabled every
    /// one of them. A backend no worker has reported yet is not disabled.
    /// </summary>
    public static async Task<bool> IsBackendDisabledAsync(BlockStoreDbContext db, string backend, CancellationToken ct)
    {
        var suffix = "@" + backend;
        var states = await db.Services.AsNoTracking()
            .Where(s => s.Binary == ServiceRecord.VolumeBinary && s.Host.EndsWith(suffix))
            .Select(s => s.Disabled).ToListAsync(ct);
        return states.Count > 0 && states.All(d => d);
    }

    /// <summary>
    /// Whether a volume service of <paramref name="backend"/> is up and enabled, so that work on its volumes will be
    /// done (Cinder's check before a manage: "Service is unavailable at this time.").
    /// </summary>
    public static async Task<bool> IsBackendServedAsync(BlockStoreDbContext db, string backend, DateTime now, TimeSpan downAfter, CancellationToken ct)
    {
        var suffix = "@" + backend;
        var services = await db.Services.AsNoTracking()
            .Where(s => s.Binary == ServiceRecord.VolumeBinary && s.Host.EndsWith(suffix)).ToListAsync(ct);
        return services.Any(s => !s.Disabled && s.IsUp(now, downAfter));
    }

    /// <summary>
    /// The volume service of <paramref name="host"/>, <c>host@backend</c> as service-list shows it, or as get-pools and
    /// <c>os-vol-host-attr:host</c> do with a <c>#pool</c> suffix, which is ignored; null when there is none.
    /// </summary>
    public static Task<ServiceRecord?> FindVolumeServiceAsync(BlockStoreDbContext db, string host, CancellationToken ct)
    {
        var serviceHost = host.Split('#', 2)[0];
        return db.Services.AsNoTracking().FirstOrDefaultAsync(s => s.Binary == ServiceRecord.VolumeBinary && s.Host == serviceHost, ct);
    }

    // A null in FromSql's parameter list has no type to send; a typed parameter does.
    private static object Nullable(long? value) => new Npgsql.NpgsqlParameter<long?> { TypedValue = value };

    private static object Jsonb(string? json) =>
        new Npgsql.NpgsqlParameter { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb };
}
