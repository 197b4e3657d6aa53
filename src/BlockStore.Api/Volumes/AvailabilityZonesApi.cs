using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Services;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Volumes;

/// <summary>
/// <c>…/os-availability-zone</c>: the zones a volume may be created in, for every caller (dashboards fill their
/// create forms from it). A deployment serves one, <see cref="BackendCatalog.AvailabilityZone"/>; as in Cinder, it is
/// available while a volume service in it is up (a worker stamped its row within <see cref="ServiceOptions.DownAfter"/>)
/// and enabled.
/// </summary>
public static class AvailabilityZonesApi
{
    public static void MapAvailabilityZonesApi(this RouteGroupBuilder v3) =>
        v3.MapGet("/os-availability-zone", List).WithTags("Volumes");

    /// <summary><c>{"availabilityZoneInfo": [{"zoneName", "zoneState": {"available"}}]}</c>, as Cinder lists them.</summary>
    public static async Task<IResult> List(IOptions<BackendCatalog> catalog, IOptions<ServiceOptions> services, BlockStoreDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        var zone = catalog.Value.AvailabilityZone;
        var freshSince = ServiceRecord.FreshSince(clock.GetUtcNow().UtcDateTime, services.Value.DownAfter);
        var available = await db.Services.AnyAsync(s => s.Zone == zone && s.Binary == ServiceRecord.VolumeBinary && s.UpdatedAt >= freshSince && !s.Disabled, ct);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("availabilityZoneInfo");
            w.WriteStartObject();
            w.WriteString("zoneName", zone);
            w.WriteStartObject("zoneState");
            w.WriteBoolean("available", available);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
