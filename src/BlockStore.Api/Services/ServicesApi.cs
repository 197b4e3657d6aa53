using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Services;

/// <summary>
/// <c>GET …/os-services</c>, for admins: the volume services that workers report (<see cref="ServiceRecord"/>), up
/// while their heartbeat is fresh, with the state of their backend from 3.49. Filters: <c>host</c>, <c>binary</c>.
/// <c>PUT …/os-services/disable</c>, <c>disable-log-reason</c> and <c>enable</c> take a service out of scheduling and
/// put it back: while every service of a backend is disabled, new volumes are not placed on it. Services cannot be
/// frozen or failed over. Their log levels: <see cref="LogLevelsApi"/>.
/// </summary>
public static class ServicesApi
{
    public static void MapServicesApi(this RouteGroupBuilder v3)
    {
        v3.MapGet("/os-services", List).WithTags("Services");
        v3.MapPut("/os-services/{action}", Update).WithTags("Services");
    }

    /// <summary>The actions of Cinder's <c>PUT os-services/{action}</c> that BlockStore has no counterpart for.</summary>
    private static readonly string[] Unsupported = ["freeze", "thaw", "failover_host", "failover"];

    /// <summary>200 with what changed, in Cinder's shape; 404 for a host and binary no worker reported.</summary>
    public static async Task<IResult> Update(string action, ServiceUpdateBody body, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:services:update");
        bool disabled;
        switch (action)
        {
            case "enable": disabled = false; break;
            case "disable": disabled = true; break;
            case "disable-log-reason":
                disabled = true;
                if (body.DisabledReason is not { } reason || reason.Trim().Length == 0 || reason.Length > 255 || reason.Trim() != reason)
                    throw new InvalidRequestException(
                        $"Invalid input for field/attribute disabled_reason. Value: {body.DisabledReason}. It must be 1 to 255 characters, with no leading or trailing spaces.");
                break;
            default:
                throw new InvalidRequestException(Unsupported.Contains(action)
                    ? $"Invalid input received: {action} is not supported: BlockStore's services cannot be frozen or failed over."
                    : "Invalid input received: Unknown action");
        }
        if (body.Unknown is { Count: > 0 } unknown) throw new InvalidRequestException(Rules.Unexpected(unknown.Keys.First()));
        if (action != "disable-log-reason" && body.DisabledReason is not null) throw new InvalidRequestException(Rules.Unexpected("disabled_reason"));
        if (body.Cluster is not null)
            throw new InvalidRequestException("Invalid input received: BlockStore has no clusters; name the service by its host.");
        if (string.IsNullOrEmpty(body.Host)) throw new InvalidRequestException("Invalid input received: Host field is missing.");
        var binary = body.Binary ?? body.Service;
        if (string.IsNullOrEmpty(binary)) throw new InvalidRequestException("Invalid input for field/attribute binary. 'binary' is a required property");
        if (!await ServiceRegistry.SetDisabledAsync(db, body.Host, binary, disabled, disabled ? body.DisabledReason : null, ct))
            throw new ResourceNotFoundException($"Could not find binary {binary} on host {body.Host}.");
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("disabled", disabled);
            if (action == "disable-log-reason") w.WriteString("disabled_reason", body.DisabledReason);
            w.WriteString("host", body.Host);
            w.WriteString("service", body.Service ?? "");
            w.WriteString("binary", body.Binary ?? "");
            w.WriteString("status", disabled ? "disabled" : "enabled");
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, IOptions<ServiceOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:services:index");
        var rows = db.Services.AsNoTracking();
        if (http.Query["host"].ToString() is { Length: > 0 } host) rows = rows.Where(s => s.Host == host);
        if (http.Query["binary"].ToString() is { Length: > 0 } binary) rows = rows.Where(s => s.Binary == binary);
        var services = await rows.OrderBy(s => s.Host).ThenBy(s => s.Binary).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var downAfter = options.Value.DownAfter;
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("services");
            foreach (var s in services)
            {
                var up = s.IsUp(now, downAfter);
                w.WriteStartObject();
                w.WriteString("binary", s.Binary);
                w.WriteString("host", s.Host);
                w.WriteString("zone", s.Zone);
                w.WriteString("status", s.Disabled ? "disabled" : "enabled");
                w.WriteString("state", up ? "up" : "down");
                w.WriteTimestamp("updated_at", s.UpdatedAt);
                if (req.Version.AtLeast(7)) w.WriteNull("cluster");
                w.WriteStringOrNull("disabled_reason", s.DisabledReason);
                // As Cinder: replication and the backend's state are a volume service's; a backup service has neither.
                if (s.Binary != ServiceRecord.VolumeBinary)
                {
                    w.WriteEndObject();
                    continue;
                }
                w.WriteString("replication_status", "disabled");
                w.WriteNull("active_backend_id");
                w.WriteBoolean("frozen", false);
                // A backend is known to answer only while its service reports it.
                if (req.Version.AtLeast(49)) w.WriteString("backend_state", up && s.BackendUp ? "up" : "down");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}

/// <summary>
/// The body of <c>PUT …/os-services/{action}</c>: the service's <c>host</c> and <c>binary</c> (or, as older clients
/// send it, <c>service</c>), and for <c>disable-log-reason</c> the reason.
/// </summary>
public sealed class ServiceUpdateBody : OpenBody
{
    public string? Host { get; set; }
    public string? Binary { get; set; }
    public string? Service { get; set; }
    public string? DisabledReason { get; set; }
    /// <summary>Cinder's alternative to <c>host</c>, which clients may send as null; BlockStore has no clusters.</summary>
    public string? Cluster { get; set; }
}
