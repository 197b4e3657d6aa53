using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Logging;
using BlockStore.Core.Services;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Services;

/// <summary>
/// Cinder's <c>PUT …/os-services/set-log</c> and <c>get-log</c> (3.32, admins): the log levels of the services, changed
/// while they run. <c>binary</c> picks <c>cinder-api</c> (the API process that answers), <c>cinder-volume</c> or <c>cinder-backup</c> (the
/// workers), or all of them when it is empty, absent or <c>*</c>; <c>server</c> narrows to one host, and <c>prefix</c> to
/// the logger categories that start with it (<see cref="RuntimeLogLevels"/>). Only services that are up are reached, as
/// in Cinder. The API process applies a level at once; a worker at its next heartbeat (<see cref="LogLevelRequest"/>),
/// and reports its levels with the heartbeat after, which is what <c>get-log</c> shows for it.
/// </summary>
public static class LogLevelsApi
{
    private const string ApiBinary = "cinder-api";

    /// <summary>The binaries Cinder's schema takes (<c>LOG_BINARIES</c>, and <c>''</c> or <c>*</c> for all of them).</summary>
    private static readonly string[] Binaries = ["cinder-scheduler", ServiceRecord.VolumeBinary, ServiceRecord.BackupBinary, ApiBinary, "", "*"];

    public static void MapLogLevelsApi(this RouteGroupBuilder v3)
    {
        v3.MapPut("/os-services/set-log", Set).WithTags("Services").RequireVersion(32);
        v3.MapPut("/os-services/get-log", Get).WithTags("Services").RequireVersion(32);
    }

    /// <summary>202, no body; the workers apply the level within a heartbeat.</summary>
    public static async Task<IResult> Set(LogLevelBody body, ApiRequest req, BlockStoreDbContext db, RuntimeLogLevels levels,
        IOptions<ServiceOptions> options, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:services:update");
        Validate(body, withLevel: true);
        var level = body.Level!.ToUpperInvariant();
        var prefix = body.Prefix ?? "";
        var (api, services) = await TargetsAsync(body, db, options.Value, clock, ct);
        if (api) levels.Set(prefix, level);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var service in services)
            db.LogLevelRequests.Add(new LogLevelRequest { Host = service.Host, Binary = service.Binary, Prefix = prefix, Level = level, CreatedAt = now });
        await db.SaveChangesAsync(ct);
        await db.LogLevelRequests.Where(r => r.CreatedAt < now - LogLevelRequest.KeptFor).ExecuteDeleteAsync(ct);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    /// <summary>200 <c>{"log_levels": [{"binary", "host", "levels": {category: level}}]}</c>.</summary>
    public static async Task<IResult> Get(LogLevelBody body, ApiRequest req, BlockStoreDbContext db, RuntimeLogLevels levels,
        IOptions<ServiceOptions> options, IOptions<BackendCatalog> catalog, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:services:update");
        Validate(body, withLevel: false);
        var (api, services) = await TargetsAsync(body, db, options.Value, clock, ct);
        var host = catalog.Value.Host;
        // As Cinder: the API process answers for itself unless the request names another server.
        api &= string.IsNullOrEmpty(body.Server) || body.Server == host;
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("log_levels");
            if (api) WriteEntry(w, ApiBinary, host, levels.Get(body.Prefix));
            foreach (var service in services) WriteEntry(w, service.Binary, service.Host, Reported(service, body.Prefix));
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteEntry(Utf8JsonWriter w, string binary, string host, IReadOnlyDictionary<string, string> levels)
    {
        w.WriteStartObject();
        w.WriteString("binary", binary);
        w.WriteString("host", host);
        w.WriteStartObject("levels");
        foreach (var (category, level) in levels) w.WriteString(category, level);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The levels a worker reported in the service's row, those of the categories that start with <paramref name="prefix"/>.</summary>
    private static SortedDictionary<string, string> Reported(ServiceRecord service, string? prefix)
    {
        var all = service.LogLevels is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : [];
        return new(all.Where(p => p.Key.StartsWith(prefix ?? "", StringComparison.OrdinalIgnoreCase)).ToDictionary(), StringComparer.Ordinal);
    }

    /// <summary>Whether the request reaches the API process, and the services (up) it reaches, as Cinder's
    /// <c>_log_params_binaries_services</c> picks them: <c>server</c> is a host, or the <c>host</c> part of <c>host@backend</c>.</summary>
    private static async Task<(bool Api, List<ServiceRecord> Services)> TargetsAsync(LogLevelBody body, BlockStoreDbContext db, ServiceOptions options,
        TimeProvider clock, CancellationToken ct)
    {
        var binary = body.Binary ?? "";
        if (binary == ApiBinary) return (true, []);
        var rows = db.Services.AsNoTracking().Where(s => s.UpdatedAt >= ServiceRecord.FreshSince(clock.GetUtcNow().UtcDateTime, options.DownAfter));
        if (binary is not ("" or "*")) rows = rows.Where(s => s.Binary == binary);
        if (body.Server is { Length: > 0 } server) rows = rows.Where(s => s.Host == server || s.Host.StartsWith(server + "@"));
        return (binary is "" or "*", await rows.OrderBy(s => s.Host).ThenBy(s => s.Binary).ToListAsync(ct));
    }

    private static void Validate(LogLevelBody body, bool withLevel)
    {
        if (body.Unknown is { Count: > 0 } unknown) throw new InvalidRequestException(Rules.Unexpected(unknown.Keys.First()));
        if (!withLevel && body.Level is not null) throw new InvalidRequestException(Rules.Unexpected("level"));
        if (body.Binary is { } binary && !Binaries.Contains(binary))
            throw new InvalidRequestException(
                $"Invalid input for field/attribute binary. Value: {binary}. '{binary}' is not one of [{string.Join(", ", Binaries.Select(b => $"'{b}'"))}]");
        if (body.Prefix is { } prefix && (prefix.Length > 255 || prefix.Contains(':')))
            throw new InvalidRequestException(
                $"Invalid input for field/attribute prefix. Value: {prefix}. A prefix is at most 255 characters, with no ':' (logger categories have none).");
        if (withLevel && !RuntimeLogLevels.IsCinderLevel(body.Level))
            throw new InvalidRequestException($"Invalid input for field/attribute level. Value: {body.Level}. {body.Level} is not a valid log level.");
    }
}

/// <summary>The body of <c>set-log</c> and <c>get-log</c> (<c>level</c> for <c>set-log</c> only).</summary>
public sealed class LogLevelBody : OpenBody
{
    public string? Binary { get; set; }
    public string? Server { get; set; }
    public string? Prefix { get; set; }
    public string? Level { get; set; }
}
