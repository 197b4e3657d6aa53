namespace BlockStore.Api.Infrastructure;

/// <summary>
/// <c>GET …/resource_filters</c> (3.33; <c>cinder list-filters</c>): the query filters each list serves at the caller's
/// microversion, optionally for one <c>resource</c>. Cinder reads them from its configuration file; here they are the
/// filters the list handlers apply, and <c>ResourceFiltersTests</c> holds each list to its entry.
/// </summary>
public static class ResourceFiltersApi
{
    /// <summary>A filter, and the microversion from which its list applies it.</summary>
    private readonly record struct Filter(string Name, int Since = 0);

    private static readonly (string Resource, Filter[] Filters)[] Catalogue =
    [
        ("volume", [new("name"), new("status"), new("availability_zone"), new("bootable"), new("size"), new("migration_status"),
            new("metadata"), new("glance_metadata", 4), new("created_at", 60), new("updated_at", 60)]),
        ("snapshot", [new("name"), new("status"), new("volume_id"), new("metadata", 22)]),
        ("message", [new("resource_uuid", 5), new("resource_type", 5), new("event_id", 5), new("request_id", 5), new("message_level", 5)]),
        ("attachment", [new("volume_id"), new("status"), new("instance_id"), new("attach_status")]),
        ("pool", [new("name", 35), new("volume_type", 35)]),
        ("volume_type", [new("is_public"), new("extra_specs", 52)]),
    ];

    public static void MapResourceFiltersApi(this RouteGroupBuilder v3) =>
        v3.MapGet("/resource_filters", List).WithTags("Extensions").RequireVersion(33);

    public static IResult List(HttpRequest http, ApiRequest req)
    {
        var only = http.Query["resource"].ToString();
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("resource_filters");
            foreach (var (resource, filters) in Catalogue)
            {
                if (only.Length > 0 && only != resource) continue;
                w.WriteStartObject();
                w.WriteString("resource", resource);
                w.WriteStartArray("filters");
                foreach (var f in filters)
                    if (req.Version.AtLeast(f.Since)) w.WriteStringValue(f.Name);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
