using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Jobs;
using BlockStore.Core.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlockStore.Core.Quotas;

/// <summary>
/// Charges and releases quota inside the caller's transaction. The charge is one statement: an upsert per
/// resource, which takes the usage row's lock until commit (concurrent creates in one project serialize
/// there), returning each new total with its limit, the per-volume limit, and the volume type's own limits.
/// A request that would pass a limit rolls the whole transaction back.
/// </summary>
/// <remarks>
/// Per-type usage (<c>volumes_&lt;type&gt;</c> …) has no counter: it is counted from the rows, and only when the type
/// has a limit in the project. The count is exact because it runs after the upsert: every change that can raise a
/// type's usage in a project holds the lock of the matching project-wide row (creates, extends and snapshots charge
/// it; a retype charges all three with nothing), so the count sees every change committed before it and its own.
/// A volume being retyped by a migration counts towards its new type as <c>reserved</c> until the switch-over.
/// </remarks>
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
        UNION ALL
        SELECT tl.resource, NULL, tl.hard_limit, NULL
        FROM blockstore.volume_types t JOIN blockstore.quota_limits tl ON tl.project_id = @project
            AND tl.resource IN (SELECT p || t.name FROM unnest(@typed) AS p)
        WHERE t.id = @type AND tl.hard_limit >= 0
        """;

    private readonly QuotaOptions _defaults = options.Value;

    /// <summary>
    /// Charge volumes/gigabytes/snapshots to the project and to the volume type <paramref name="typeId"/>. Must run
    /// inside a transaction the caller commits, after the change it pays for is saved, so that the type's usage,
    /// counted from the rows, includes it. <paramref name="volumeSize"/> is the size of the one volume being created
    /// or extended, checked against <c>per_volume_gigabytes</c> (Cinder checks it on both); null when no volume grows.
    /// </summary>
    /// <param name="rows">New rows the charge pays for, not yet written: they go to PostgreSQL with the charge, in one
    /// round trip and ahead of it.</param>
    public Task ChargeAsync(string projectId, Guid typeId, int volumes, int gigabytes, int snapshots, int? volumeSize, CancellationToken ct,
        RowBatch? rows = null)
    {
        var charges = Charges(volumes, gigabytes, snapshots);
        if (charges.Count == 0)
            // Nothing to charge; new rows go with a charge, so a caller that has some charges something.
            return rows is null ? Task.CompletedTask : throw new ArgumentException("New rows are written with a charge.", nameof(rows));
        return ChargeAndCheckAsync(projectId, charges, volumeSize, new TypeCharge(typeId, volumes, gigabytes, snapshots), ct, rows);
    }

    /// <summary>
    /// A volume of <paramref name="gigabytes"/> (snapshots included) with <paramref name="snapshots"/> snapshots takes
    /// the type <paramref name="newTypeId"/>: nothing changes project-wide, but the new type's limits apply. Runs inside
    /// the caller's transaction, after the volume's new type, or its migration job, is saved.
    /// </summary>
    public Task ChargeRetypeAsync(string projectId, Guid newTypeId, long gigabytes, int snapshots, CancellationToken ct) =>
        ChargeAndCheckAsync(projectId, [(QuotaResources.Volumes, 0), (QuotaResources.Gigabytes, 0), (QuotaResources.Snapshots, 0)],
            volumeSize: null, new TypeCharge(newTypeId, 1, gigabytes, snapshots), ct);

    /// <summary>What one request adds to a volume type's usage.</summary>
    private readonly record struct TypeCharge(Guid TypeId, long Volumes, long Gigabytes, long Snapshots)
    {
        public long Of(string resource) => resource switch
        {
            QuotaResources.Volumes => Volumes,
            QuotaResources.Gigabytes => Gigabytes,
            _ => Snapshots,
        };
    }

    private async Task ChargeAndCheckAsync(string projectId, List<(string Resource, long Delta)> charges, int? volumeSize, TypeCharge typed,
        CancellationToken ct, RowBatch? newRows = null)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Quota is charged inside the creating transaction.");
        var rows = await RunChargeAsync(projectId, charges, ct, typed, newRows);
        var perVolume = rows.First(r => r.InUse is not null).PerVolumeLimit ?? _defaults.PerVolumeGigabytes;
        if (volumeSize is { } size && perVolume >= 0 && size > perVolume)
            throw new QuotaExceededException($"VolumeSizeExceedsLimit: Requested volume size {size}G is larger than maximum allowed limit {perVolume}G.");
        foreach (var (resource, inUse, hardLimit, _) in rows.Where(r => r.InUse is not null))
        {
            var limit = hardLimit ?? _defaults.DefaultFor(resource);
            var delta = charges.First(c => c.Resource == resource).Delta;
            if (delta > 0 && limit >= 0 && inUse > limit) throw OverLimit(resource, resource, delta, limit, inUse!.Value - delta);
        }

        var typeLimits = rows.Where(r => r.InUse is null)
            .ToDictionary(r => QuotaResources.TypeOf(r.Resource)!.Value.Resource, r => (Name: r.Resource, Limit: r.HardLimit!.Value));
        if (typeLimits.Count == 0) return;
        var usage = (await TypeUsageAsync(projectId, typed.TypeId, ct)).Single();
        // In Cinder's order (volumes, gigabytes, snapshots), so that the first limit passed is the one named.
        foreach (var resource in QuotaResources.PerType)
        {
            if (!typeLimits.TryGetValue(resource, out var l)) continue;
            var (name, limit) = l;
            var delta = typed.Of(resource);
            var used = usage.Used(resource);
            if (used > limit) throw OverLimit(resource, name, delta, limit, used - delta);
        }
    }

    /// <summary>Cinder's over-quota messages, for <paramref name="resource"/> or one of its per-type resources (<paramref name="name"/>).</summary>
    private static QuotaExceededException OverLimit(string resource, string name, long delta, int limit, long consumed) => new(resource switch
    {
        QuotaResources.Gigabytes =>
            $"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed {name} quota. Requested {delta}G, quota is {limit}G and {consumed}G has been consumed.",
        QuotaResources.Snapshots => $"SnapshotLimitExceeded: Maximum number of snapshots allowed ({limit}) exceeded for quota '{name}'.",
        _ => $"VolumeLimitExceeded: Maximum number of volumes allowed ({limit}) exceeded for quota '{name}'.",
    });

    private static List<(string Resource, long Delta)> Charges(int volumes, int gigabytes, int snapshots)
    {
        var charges = new List<(string, long)>();
        if (volumes != 0) charges.Add((QuotaResources.Volumes, volumes));
        if (gigabytes != 0) charges.Add((QuotaResources.Gigabytes, gigabytes));
        if (snapshots != 0) charges.Add((QuotaResources.Snapshots, snapshots));
        return charges;
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

    /// <summary>
    /// Charge one backup of <paramref name="gigabytes"/> to its project, inside the creating transaction after its row is
    /// saved; over a limit rolls it back with 413 and Cinder's message.
    /// </summary>
    public async Task ChargeBackupAsync(string projectId, int gigabytes, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Quota is charged inside the creating transaction.");
        var rows = await RunChargeAsync(projectId, [(QuotaResources.Backups, 1), (QuotaResources.BackupGigabytes, gigabytes)], ct);
        // In Cinder's order: the gigabytes first.
        foreach (var resource in new[] { QuotaResources.BackupGigabytes, QuotaResources.Backups })
        {
            var (_, inUse, hardLimit, _) = rows.First(r => r.Resource == resource);
            var limit = hardLimit ?? _defaults.DefaultFor(resource);
            if (limit < 0 || inUse <= limit) continue;
            throw new QuotaExceededException(resource == QuotaResources.Backups
                ? $"BackupLimitExceeded: Maximum number of backups allowed ({limit}) exceeded"
                : $"VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested {gigabytes}G, quota is {limit}G and {inUse - gigabytes}G has been consumed.");
        }
    }

    /// <summary>Give a backup's charge back when its row goes away.</summary>
    public Task ReleaseBackupAsync(string projectId, int gigabytes, CancellationToken ct) =>
        RunChargeAsync(projectId, [(QuotaResources.Backups, -1), (QuotaResources.BackupGigabytes, -gigabytes)], ct);

    /// <summary>Give quota back when the counted row goes away (negative charge, never refused).</summary>
    public Task ReleaseAsync(string projectId, int volumes, int gigabytes, int snapshots, CancellationToken ct)
    {
        var charges = Charges(-volumes, -gigabytes, -snapshots);
        return charges.Count == 0 ? Task.CompletedTask : RunChargeAsync(projectId, charges, ct);
    }

    /// <summary>
    /// Limits and usage of every project-wide resource, as the quota-set and limits APIs show them, and with
    /// <paramref name="withTypes"/> those of each volume type the project may use, holds volumes of, or has a limit for.
    /// </summary>
    public async Task<QuotaReport> ReportAsync(string projectId, bool withTypes, CancellationToken ct)
    {
        var limits = await db.QuotaLimits.AsNoTracking().Where(l => l.ProjectId == projectId)
            .ToDictionaryAsync(l => l.Resource, l => l.HardLimit, ct);
        var usage = await db.QuotaUsages.AsNoTracking().Where(u => u.ProjectId == projectId)
            .ToDictionaryAsync(u => u.Resource, u => u.InUse, ct);
        var resources = QuotaResources.All.ToDictionary(
            r => r,
            r => new QuotaUse(limits.TryGetValue(r, out var l) ? l : _defaults.DefaultFor(r), usage.GetValueOrDefault(r), 0));
        var types = withTypes ? await TypeUsageAsync(projectId, typeId: null, ct) : [];
        foreach (var type in types)
            foreach (var resource in QuotaResources.PerType)
            {
                var name = $"{resource}_{type.Name}";
                resources[name] = new QuotaUse(limits.TryGetValue(name, out var l) ? l : -1, type.InUse(resource), type.Reserved(resource));
            }
        return new QuotaReport(types.Select(t => t.Name).ToList(), resources);
    }

    /// <summary>
    /// The limits every project starts from, as Cinder's <c>default</c> quota class shows them: configuration's
    /// (<c>Quotas:*</c>), and no limit (-1) for each volume type's own.
    /// </summary>
    public async Task<QuotaReport> DefaultsAsync(CancellationToken ct)
    {
        var types = await db.VolumeTypes.AsNoTracking().OrderBy(t => t.CreatedAt).ThenBy(t => t.Id).Select(t => t.Name).ToListAsync(ct);
        var resources = QuotaResources.All.ToDictionary(r => r, r => new QuotaUse(_defaults.DefaultFor(r), 0, 0));
        foreach (var type in types)
            foreach (var resource in QuotaResources.PerType) resources[$"{resource}_{type}"] = new QuotaUse(-1, 0, 0);
        return new QuotaReport(types, resources);
    }

    /// <summary>A type's quota names follow it when it is renamed (inside the caller's transaction).</summary>
    public Task RenameTypeAsync(string oldName, string newName, CancellationToken ct) => db.Database.ExecuteSqlAsync($"""
        UPDATE blockstore.quota_limits SET resource = left(resource, length(resource) - length({oldName})) || {newName}
        WHERE resource IN (SELECT p || {oldName} FROM unnest({QuotaResources.TypePrefixes.ToArray()}) AS p)
        """, ct);

    /// <summary>A deleted type's limits go with it, in every project (inside the caller's transaction).</summary>
    public Task ForgetTypeAsync(string name, CancellationToken ct) => db.Database.ExecuteSqlAsync($"""
        DELETE FROM blockstore.quota_limits WHERE resource IN (SELECT p || {name} FROM unnest({QuotaResources.TypePrefixes.ToArray()}) AS p)
        """, ct);

    /// <summary>
    /// Usage per volume type, as Cinder's quota sets show it (<c>volumes_&lt;type&gt;</c>, <c>gigabytes_&lt;type&gt;</c>,
    /// <c>snapshots_&lt;type&gt;</c>): of <paramref name="typeId"/> alone, or of the types the project may use, holds volumes
    /// of or has a limit for, oldest type first. Counted from the rows, by the rules the project-wide counters follow:
    /// every volume row, its size or, while it extends, the size it grows to, and the snapshots not hidden; a volume
    /// that a migration retypes is reserved in its new type until the switch-over.
    /// </summary>
    private async Task<IReadOnlyList<TypeUsage>> TypeUsageAsync(string projectId, Guid? typeId, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = conn.State != System.Data.ConnectionState.Open;
        if (opened) await conn.OpenAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(typeId is null ? ListedTypeUsageSql : OneTypeUsageSql, conn,
                (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
            cmd.Parameters.AddWithValue("project", projectId);
            if (typeId is { } id) cmd.Parameters.AddWithValue("type", id);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            var rows = new List<TypeUsage>();
            while (await reader.ReadAsync(ct))
                rows.Add(new TypeUsage(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.GetInt64(4), reader.GetInt64(5)));
            return rows;
        }
        finally
        {
            if (opened) await conn.CloseAsync();
        }
    }

    private sealed record TypeUsage(string Name, long Volumes, long Gigabytes, long Snapshots, long ReservedVolumes, long ReservedGigabytes)
    {
        public long InUse(string resource) => resource switch
        {
            QuotaResources.Volumes => Volumes,
            QuotaResources.Gigabytes => Gigabytes,
            _ => Snapshots,
        };

        /// <summary>Volumes moving into the type: no snapshots, since a volume with snapshots is never migrated.</summary>
        public long Reserved(string resource) => resource switch
        {
            QuotaResources.Volumes => ReservedVolumes,
            QuotaResources.Gigabytes => ReservedGigabytes,
            _ => 0,
        };

        public long Used(string resource) => InUse(resource) + Reserved(resource);
    }

    private static readonly string ListedTypeUsageSql = TypeUsageSql("TRUE", $$"""
        {{VolumeTypeAccess.UsableSql("t")}} OR EXISTS (SELECT 1 FROM mine m WHERE m.volume_type_id = t.id)
            OR EXISTS (SELECT 1 FROM blockstore.quota_limits ql WHERE ql.project_id = @project
                AND ql.resource IN ({{string.Join(", ", QuotaResources.TypePrefixes.Select(p => $"'{p}' || t.name"))}}))
        """);

    /// <summary>One type's usage: only its own volumes and those being retyped are read.</summary>
    private static readonly string OneTypeUsageSql = TypeUsageSql("(v.volume_type_id = @type OR v.status = 'retyping')", "t.id = @type");

    private static string TypeUsageSql(string volumeFilter, string typeFilter) => $$"""
        WITH mine AS (
            SELECT v.id, v.volume_type_id, v.status,
                CASE WHEN v.status = 'extending' AND v.extending_to > v.size THEN v.extending_to ELSE v.size END AS gigabytes
            FROM blockstore.volumes v WHERE v.project_id = @project AND {{volumeFilter}}),
        snaps AS (
            SELECT m.volume_type_id, count(*) AS n, sum(s.size) AS gigabytes
            FROM blockstore.snapshots s JOIN mine m ON m.id = s.volume_id WHERE NOT s.hidden GROUP BY m.volume_type_id),
        incoming AS (
            SELECT (j.checkpoint ->> 'newTypeId')::uuid AS volume_type_id, count(*) AS n, sum(m.gigabytes) AS gigabytes
            FROM blockstore.jobs j JOIN mine m ON m.id = j.volume_id
            WHERE j.kind = '{{MigrationPlan.Kind}}' AND j.state IN ('{{JobState.Pending}}', '{{JobState.Running}}') AND m.status = 'retyping'
                AND (j.checkpoint ->> 'newTypeId')::uuid <> m.volume_type_id
            GROUP BY 1)
        SELECT t.name,
            (SELECT count(*) FROM mine m WHERE m.volume_type_id = t.id),
            (SELECT coalesce(sum(m.gigabytes), 0)::bigint FROM mine m WHERE m.volume_type_id = t.id)
                + coalesce((SELECT sn.gigabytes FROM snaps sn WHERE sn.volume_type_id = t.id), 0)::bigint,
            coalesce((SELECT sn.n FROM snaps sn WHERE sn.volume_type_id = t.id), 0),
            coalesce((SELECT i.n FROM incoming i WHERE i.volume_type_id = t.id), 0),
            coalesce((SELECT i.gigabytes FROM incoming i WHERE i.volume_type_id = t.id), 0)::bigint
        FROM blockstore.volume_types t
        WHERE {{typeFilter}}
        ORDER BY t.created_at, t.name
        """;

    private async Task<List<(string Resource, long? InUse, int? HardLimit, int? PerVolumeLimit)>> RunChargeAsync(
        string projectId, List<(string Resource, long Delta)> charges, CancellationToken ct, TypeCharge? typed = null, RowBatch? newRows = null)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var batch = new NpgsqlBatch(conn, (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction());
        foreach (var insert in newRows?.Commands ?? []) batch.BatchCommands.Add(insert);
        var cmd = new NpgsqlBatchCommand(ChargeSql);
        batch.BatchCommands.Add(cmd);
        cmd.Parameters.AddWithValue("project", projectId);
        cmd.Parameters.AddWithValue("resources", charges.Select(c => c.Resource).ToArray());
        cmd.Parameters.AddWithValue("deltas", charges.Select(c => c.Delta).ToArray());
        cmd.Parameters.AddWithValue("perVolume", QuotaResources.PerVolumeGigabytes);
        // The type's own limits, for what this request raises; none for a release or an image.
        var raised = typed is { } t ? QuotaResources.PerType.Where(r => t.Of(r) > 0).Select(r => r + "_").ToArray() : [];
        cmd.Parameters.AddWithValue("typed", raised);
        cmd.Parameters.AddWithValue("type", typed?.TypeId ?? Guid.Empty);
        // The inserts return no rows: the reader starts on the charge's.
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var rows = new List<(string, long?, int?, int?)>();
        while (await reader.ReadAsync(ct))
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3)));
        return rows;
    }
}

/// <summary>Every resource of a quota set, with the volume types whose per-type resources it holds, oldest first.</summary>
public sealed record QuotaReport(IReadOnlyList<string> Types, IReadOnlyDictionary<string, QuotaUse> Resources)
{
    /// <summary>The resources in Cinder's order.</summary>
    public IEnumerable<string> Order => QuotaResources.WithTypes(Types);
}

/// <summary>A resource's limit (-1: none), what is in use, and what is reserved by work under way.</summary>
public readonly record struct QuotaUse(int Limit, long InUse, long Reserved);
