using BlockStore.Core.Errors;

namespace BlockStore.Api.Infrastructure;

/// <summary>
/// <c>GET …/resource_filters</c> (3.33; <c>cinder list-filters</c>): the query filters each list serves at the caller's
/// microversion, optionally for one <c>resource</c>. Cinder reads them from its configuration file; here they are the
/// filters the list handlers apply, and <c>ResourceFiltersTests</c> holds each list to its entry. From 3.33 the lists
/// also refuse what is not in it (<see cref="RejectUnknown"/>), as Cinder does.
/// </summary>
public static class ResourceFiltersApi
{
    /// <summary>
    /// A filter, the microversion from which its list applies it, and whether, from 3.34, <c>name~=abc</c> asks for the
    /// values that contain <c>abc</c> (<see cref="ListFilters.Like"/> applies it).
    /// </summary>
    private readonly record struct Filter(string Name, int Since = 0, bool Like = false);

    /// <summary>Query parameters that are no filters: paging, sorting and counting, which every list takes.</summary>
    private static readonly string[] NotFilters = ["limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count"];

    private static readonly (string Resource, Filter[] Filters)[] Catalogue =
    [
        ("volume", [new("name", Like: true), new("status", Like: true), new("availability_zone", Like: true), new("bootable"), new("size"),
            new("migration_status"), new("metadata"), new("glance_metadata", 4), new("created_at", 60), new("updated_at", 60)]),
        ("snapshot", [new("name", Like: true), new("status"), new("volume_id"), new("metadata", 22)]),
        ("backup", [new("name"), new("status"), new("volume_id")]),
        ("message", [new("resource_uuid", 5), new("resource_type", 5), new("event_id", 5), new("request_id", 5), new("message_level", 5)]),
        ("attachment", [new("volume_id"), new("status"), new("instance_id"), new("attach_status")]),
        ("pool", [new("name", 28), new("volume_type", 35)]),
        // name is BlockStore's own: openstackclient finds a type by name through it, and a refusal breaks its fallback.
        ("volume_type", [new("name"), new("is_public"), new("extra_specs", 52)]),
    ];

    /// <summary>
    /// Cinder's check from 3.33 (<c>reject_invalid_filters</c>): a member's list query holds only the resource's filters,
    /// and from 3.34 <c>~</c> forms of those that take it; anything else answers 400 <c>Invalid filters … are found in query
    /// options.</c> rather than being ignored, which would list what was not asked for. <c>all_tenants</c>, which
    /// cinderclient always sends, passes, as in Cinder. Admins may send anything except to the pool list. Cinder checks
    /// the pool list from 3.28 and volume types from 3.52 (<paramref name="since"/>).
    /// </summary>
    public static void RejectUnknown(string resource, IQueryCollection query, ApiRequest req, int since = 33)
    {
        if (!req.Version.AtLeast(since) || req.Caller.IsAdmin && resource != "pool") return;
        // Known at any version, as in Cinder, whose list of filters has no versions: below its version a filter is ignored.
        var filters = Catalogue.First(c => c.Resource == resource).Filters;
        var invalid = query.Keys.Where(key => !NotFilters.Contains(key) && key != "all_tenants" && !(resource == "pool" && key == "detail")
                && !filters.Any(f => f.Name == key || req.Version.AtLeast(34) && f.Like && key == f.Name + "~"))
            .ToList();
        if (invalid.Count > 0) throw new InvalidRequestException($"Invalid filters {string.Join(',', invalid)} are found in query options.");
    }

    /// <summary>Whether <paramref name="resource"/>'s <paramref name="filter"/> takes the <c>~</c> form at the caller's version.</summary>
    public static bool TakesLike(string resource, string filter, ApiRequest req) =>
        req.Version.AtLeast(34) && Catalogue.First(c => c.Resource == resource).Filters.Any(f => f.Name == filter && f.Like);

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
