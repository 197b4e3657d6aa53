using BlockStore.Api.Infrastructure;
using BlockStore.Core.Volumes;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Volumes;

/// <summary>
/// <c>…/os-availability-zone</c>: the zones a volume may be created in, for every caller (dashboards fill their
/// create forms from it). A deployment serves one, <see cref="BackendCatalog.AvailabilityZone"/>.
/// </summary>
public static class AvailabilityZonesApi
{
    public static void MapAvailabilityZonesApi(this RouteGroupBuilder v3) =>
        v3.MapGet("/os-availability-zone", List).WithTags("Volumes");

    /// <summary><c>{"availabilityZoneInfo": [{"zoneName", "zoneState": {"available"}}]}</c>, as Cinder lists them.</summary>
    public static IResult List(IOptions<BackendCatalog> catalog) => JsonBody.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("availabilityZoneInfo");
        w.WriteStartObject();
        w.WriteString("zoneName", catalog.Value.AvailabilityZone);
        w.WriteStartObject("zoneState");
        w.WriteBoolean("available", true);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });
}
