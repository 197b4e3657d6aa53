using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Services;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Services;

/// <summary>
/// <c>POST …/workers/cleanup</c> (3.24, admins; <c>cinder work-cleanup</c>): the work in flight of volume services that
/// died is taken up now, instead of when the reconciler finds it stuck. Every worker's reconciler re-drives stuck work of
/// any backend it serves, so a dead service's work needs no restart of that service: another service of its backend that
/// is up takes it. Cinder's answer: the services whose work will be taken up (<c>cleaning</c>), and those with no other
/// service up to take it (<c>unavailable</c>).
/// </summary>
public static class WorkersApi
{
    public static void MapWorkersApi(this RouteGroupBuilder v3) =>
        v3.MapPost("/workers/cleanup", Cleanup).RequireVersion(24).WithTags("Services");

    /// <summary>
    /// The volume services the filters select (by default those that are down, as in Cinder), each with the other services
    /// of its backend. For each that another service (or itself, when up) will clean, the operations of its backend that
    /// have had no news for <see cref="ServiceOptions.DownAfter"/> (a live one is stamped more often) are marked overdue,
    /// so that the next reconciler pass (within <c>Reconciler:Interval</c>) sends them again; with <c>resource_id</c>, only
    /// that volume or snapshot.
    /// </summary>
    public static async Task<IResult> Cleanup(CleanupBody? body, ApiRequest req, BlockStoreDbContext db, IOptions<ServiceOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("workers:cleanup");
        body ??= new CleanupBody();
        var now = clock.GetUtcNow().UtcDateTime;
        var downAfter = options.Value.DownAfter;
        var resource = body.ResourceId is { } id ? await PendingResourceAsync(db, Guid.Parse(id), body.ResourceTypeName, ct) : null;

        var all = await db.Services.AsNoTracking().Where(s => s.Binary == ServiceRecord.VolumeBinary).ToListAsync(ct);
        var selected = all.Where(s => Selects(body, s, now, downAfter) && (resource is null || s.Backend == resource.Value.Backend)).ToList();
        var cleaning = selected.Where(s => all.Any(o => o.Backend == s.Backend && o.IsUp(now, downAfter))).ToList();
        var unavailable = selected.Except(cleaning).ToList();

        var quietSince = now - downAfter;
        var overdue = now - TimeSpan.FromDays(1);
        foreach (var backend in cleaning.Select(s => s.Backend).Distinct())
        {
            var volumes = db.Volumes.Where(Volume.Redriven).Where(v => v.Backend == backend && v.StatusChangedAt < quietSince);
            var snapshots = db.Snapshots.Where(Snapshot.Redriven)
                .Where(s => s.StatusChangedAt < quietSince && db.Volumes.Any(v => v.Id == s.VolumeId && v.Backend == backend));
            if (resource is { } r)
            {
                volumes = volumes.Where(v => v.Id == r.Id);
                snapshots = snapshots.Where(s => s.Id == r.Id);
            }
            await volumes.ExecuteUpdateAsync(u => u.SetProperty(v => v.StatusChangedAt, overdue), ct);
            await snapshots.ExecuteUpdateAsync(u => u.SetProperty(s => s.StatusChangedAt, overdue), ct);
        }
        return JsonBody.Accepted(w =>
        {
            w.WriteStartObject();
            WriteServices(w, "cleaning", cleaning);
            WriteServices(w, "unavailable", unavailable);
            w.WriteEndObject();
        });
    }

    /// <summary>Cinder's service filters. BlockStore has no clusters and no numeric service ids: naming either selects none.</summary>
    private static bool Selects(CleanupBody body, ServiceRecord s, DateTime now, TimeSpan downAfter) =>
        body.ClusterName is null && body.ServiceId is null
        && (body.Binary is null || body.Binary == s.Binary)
        // A host is a node (every backend's service on it) or one service (node@backend), as Cinder matches it.
        && (body.Host is null || s.Host == body.Host || s.Host.StartsWith(body.Host + "@", StringComparison.Ordinal))
        && (body.Disabled is null || body.Disabled == s.Disabled)
        && s.IsUp(now, downAfter) == (body.IsUp ?? false);

    /// <summary>The volume or snapshot <paramref name="id"/>, with its backend, if it is in work the reconciler re-drives.</summary>
    private static async Task<(Guid Id, string Backend)?> PendingResourceAsync(BlockStoreDbContext db, Guid id, string? type, CancellationToken ct)
    {
        if (type is null or "Volume"
            && await db.Volumes.Where(Volume.Redriven).Where(v => v.Id == id).Select(v => v.Backend).FirstOrDefaultAsync(ct) is { } backend)
            return (id, backend);
        if (type is null or "Snapshot"
            && await db.Snapshots.Where(Snapshot.Redriven).Where(s => s.Id == id)
                .Join(db.Volumes, s => s.VolumeId, v => v.Id, (_, v) => v.Backend).FirstOrDefaultAsync(ct) is { } snapshotBackend)
            return (id, snapshotBackend);
        throw new InvalidRequestException($"Invalid input received: There is no resource with UUID {id} pending cleanup.");
    }

    /// <summary>Cinder's workers view: id, host, binary, cluster_name. BlockStore's services have no numeric id: null.</summary>
    private static void WriteServices(System.Text.Json.Utf8JsonWriter w, string name, IEnumerable<ServiceRecord> services)
    {
        w.WriteStartArray(name);
        foreach (var s in services)
        {
            w.WriteStartObject();
            w.WriteNull("id");
            w.WriteString("host", s.Host);
            w.WriteString("binary", s.Binary);
            w.WriteNull("cluster_name");
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}

/// <summary>Cinder's <c>workers.cleanup</c> schema; every member is optional.</summary>
public sealed class CleanupBody : OpenBody
{
    public string? ClusterName { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? Disabled { get; set; }
    public string? Host { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? IsUp { get; set; }
    public string? Binary { get; set; }
    public string? ResourceId { get; set; }
    public string? ResourceType { get; set; }
    public int? ServiceId { get; set; }

    /// <summary>Cinder title-cases the type: <c>volume</c> and <c>Volume</c> are both <c>Volume</c>.</summary>
    public string? ResourceTypeName => ResourceType is { Length: > 0 } t ? char.ToUpperInvariant(t[0]) + t[1..].ToLowerInvariant() : null;
}

public sealed class CleanupBodyValidator : AbstractValidator<CleanupBody>
{
    public CleanupBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Binary).Must(b => b is null or "cinder-volume" or "cinder-scheduler")
            .WithMessage(b => $"Invalid input for field/attribute binary. Value: {b.Binary}. '{b.Binary}' is not one of ['cinder-volume', 'cinder-scheduler']");
        RuleFor(b => b.ResourceTypeName).Must(t => t is null or "Volume" or "Snapshot")
            .WithMessage(b => $"Invalid input received: Resource type {b.ResourceTypeName} not valid, must be Volume or Snapshot");
        RuleFor(b => b.ResourceId).IsUuid("resource_id");
        RuleFor(b => b.Host).IsName("host");
        RuleFor(b => b.ClusterName).IsName("cluster_name");
    }
}
