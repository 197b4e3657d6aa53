using BlockStore.Api.Infrastructure;
using BlockStore.Api.Types;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Jobs;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Volumes;

/// <summary>Finding what a request names, with tenancy applied: what the caller may not see does not exist.</summary>
public static class VolumeLookup
{
    public static async Task<Volume> FindAsync(BlockStoreDbContext db, ApiRequest req, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid)) throw ResourceNotFoundException.Volume(id);
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == guid, ct);
        return volume is not null && req.Caller.CanSee(volume.ProjectId) ? volume : throw ResourceNotFoundException.Volume(id);
    }

    /// <summary>
    /// A type by id or by name; when none is named, the default type of <paramref name="namedBy"/>'s project. A private
    /// type can be named only by an admin or a member of a project it is shared with (<paramref name="namedBy"/>); with
    /// <paramref name="namedBy"/> null (a type inherited from a source volume) every type is found.
    /// </summary>
    public static async Task<VolumeType> FindTypeAsync(BlockStoreDbContext db, string? idOrName, ApiRequest? namedBy, CancellationToken ct)
    {
        if (idOrName is null) return await DefaultTypeAsync(db, namedBy?.ProjectId ?? "", ct);
        var byId = Guid.TryParse(idOrName, out var id);
        var type = byId ? await TypeById(db, id, ct) : await TypeByName(db, idOrName, ct);
        return type is not null && (namedBy is null || await TypeAccessApi.IsVisibleAsync(db, type, namedBy, ct))
            ? type
            : throw (byId ? ResourceNotFoundException.VolumeType(idOrName) : ResourceNotFoundException.VolumeTypeByName(idOrName));
    }

    /// <summary>
    /// The type a volume of <paramref name="projectId"/> gets when its create names none: the project's default if an
    /// admin set one (<c>…/default-types</c>), else <see cref="VolumeType.DefaultName"/>. One round trip.
    /// </summary>
    public static async Task<VolumeType> DefaultTypeAsync(BlockStoreDbContext db, string projectId, CancellationToken ct) =>
        await DefaultFor(db, projectId, ct) ?? throw new InvalidOperationException("The default volume type is missing.");

    // Compiled once: every create looks its type up, and a LINQ query is rebuilt and matched to its plan on each run.
    private static readonly Func<BlockStoreDbContext, string, CancellationToken, Task<VolumeType?>> TypeByName =
        EF.CompileAsyncQuery((BlockStoreDbContext db, string name, CancellationToken _) =>
            db.VolumeTypes.AsNoTracking().FirstOrDefault(t => t.Name == name));

    // The project's own default sorts first (false before true); the deployment's default is the fallback.
    private static readonly Func<BlockStoreDbContext, string, CancellationToken, Task<VolumeType?>> DefaultFor =
        EF.CompileAsyncQuery((BlockStoreDbContext db, string project, CancellationToken _) =>
            db.VolumeTypes.AsNoTracking()
                .Where(t => t.Name == VolumeType.DefaultName || db.ProjectDefaultTypes.Any(d => d.ProjectId == project && d.VolumeTypeId == t.Id))
                .OrderBy(t => t.Name == VolumeType.DefaultName)
                .FirstOrDefault());

    private static readonly Func<BlockStoreDbContext, Guid, CancellationToken, Task<VolumeType?>> TypeById =
        EF.CompileAsyncQuery((BlockStoreDbContext db, Guid id, CancellationToken _) => db.VolumeTypes.AsNoTracking().FirstOrDefault(t => t.Id == id));

    public static async Task<string?> TypeNameAsync(BlockStoreDbContext db, Guid typeId, CancellationToken ct) =>
        await db.VolumeTypes.AsNoTracking().Where(t => t.Id == typeId).Select(t => t.Name).FirstOrDefaultAsync(ct);

    /// <summary>The running migration job of each of the migrating volumes <paramref name="migrating"/>, for <c>migration_progress</c>.</summary>
    public static async Task<Dictionary<Guid, Job>> MigrationsAsync(BlockStoreDbContext db, IEnumerable<Guid> migrating, CancellationToken ct)
    {
        var ids = migrating.ToList();
        if (ids.Count == 0) return [];
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => ids.Contains(j.VolumeId) && j.Kind == MigrationPlan.Kind && (j.State == JobState.Pending || j.State == JobState.Running))
            .ToListAsync(ct);
        return jobs.GroupBy(j => j.VolumeId).ToDictionary(g => g.Key, g => g.MaxBy(j => j.CreatedAt)!);
    }

    /// <summary>The volume's completed attachments, as <see cref="VolumeRow.AttachedJson"/>.</summary>
    public static Task<string?> AttachedAsync(BlockStoreDbContext db, Volume volume, CancellationToken ct) =>
        volume.Status == VolumeStatus.Available
            ? Task.FromResult<string?>(null)
            : db.Database.SqlQueryRaw<string?>($"SELECT {VolumeRow.AttachedSql} AS \"Value\" FROM blockstore.volumes v WHERE v.id = @p0",
                new Npgsql.NpgsqlParameter("p0", volume.Id)).FirstOrDefaultAsync(ct);

    /// <summary>The volume's unfinished flatten job, if one is detaching it from its parent, for <c>flatten_progress</c>.</summary>
    public static Task<Job?> FlattenAsync(BlockStoreDbContext db, Guid volumeId, CancellationToken ct) =>
        db.Jobs.AsNoTracking()
            .Where(j => j.VolumeId == volumeId && j.Kind == Job.FlattenKind && (j.State == JobState.Pending || j.State == JobState.Running))
            .OrderByDescending(j => j.CreatedAt).FirstOrDefaultAsync(ct);

    /// <summary>The backend a type selects; a type that names an unconfigured backend cannot be used.</summary>
    public static string BackendFor(VolumeType type, BackendCatalog catalog)
    {
        var backend = type.BackendName ?? catalog.DefaultBackend;
        return catalog.Exists(backend)
            ? backend
            : throw new InvalidRequestException($"Invalid input received: volume type {type.Name} selects backend '{backend}', which is not configured.");
    }
}
