using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Services;

/// <summary>
/// <c>GET …/os-services</c>, for admins: the volume services that workers report (<see cref="ServiceRecord"/>), up
/// while their heartbeat is fresh, with the state of their backend from 3.49. Filters: <c>host</c>, <c>binary</c>.
/// Services cannot be disabled, frozen or failed over: <c>status</c> is always <c>enabled</c>.
/// </summary>
public static class ServicesApi
{
    public static void MapServicesApi(this RouteGroupBuilder v3) => v3.MapGet("/os-services", List).WithTags("Services");

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
                w.WriteString("status", "enabled");
                w.WriteString("state", up ? "up" : "down");
                w.WriteTimestamp("updated_at", s.UpdatedAt);
                if (req.Version.AtLeast(7)) w.WriteNull("cluster");
                w.WriteNull("disabled_reason");
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
