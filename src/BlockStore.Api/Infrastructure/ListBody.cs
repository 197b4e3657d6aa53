using System.Text.Json;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Cinder's list body: <c>{"volumes": [...], "volumes_links": [{"rel": "next", ...}], "count": n}</c>.
/// The next link repeats the request's query with the marker at the last row of a full page.
/// </summary>
public static class ListBody
{
    public static JsonBody Ok<T>(ListPage<T> page, HttpRequest http, ApiRequest req, string collection, string path,
        Func<T, Guid> idOf, Action<Utf8JsonWriter, T> writeOne, string? linksName = null) =>
        JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray(collection);
            foreach (var item in page.Items) writeOne(w, item);
            w.WriteEndArray();
            if (page.IsFull)
            {
                w.WriteStartArray(linksName ?? $"{collection}_links");
                w.WriteStartObject();
                w.WriteString("rel", "next");
                w.WriteString("href", NextHref(http, req, path, idOf(page.Items[^1])));
                w.WriteEndObject();
                w.WriteEndArray();
            }
            if (page.Count is { } count) w.WriteNumber("count", count);
            w.WriteEndObject();
        });

    /// <summary>
    /// The list of a resource BlockStore keeps none of (backups, groups): empty, with <c>count</c> when asked, and a
    /// marker refused as any list refuses a marker it does not hold.
    /// </summary>
    public static JsonBody Empty(HttpRequest http, ApiRequest req, string collection)
    {
        if (http.Query["marker"].ToString() is { Length: > 0 } marker)
            throw InvalidRequestException.MarkerNotFound(marker);
        var withCount = QueryFlags.WithCount(http.Query, req);
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray(collection);
            w.WriteEndArray();
            if (withCount) w.WriteNumber("count", 0);
            w.WriteEndObject();
        });
    }

    public static string NextHref(HttpRequest http, ApiRequest req, string path, Guid lastId)
    {
        var query = http.Query.Where(p => p.Key != "marker")
            .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value.ToString())}")
            .Append($"marker={lastId}");
        return $"{req.BaseUrl}/v3/{req.ProjectId}/{path}?{string.Join("&", query)}";
    }
}

/// <summary>Query-string switches shared by every list and delete.</summary>
public static class QueryFlags
{
    /// <summary>Cinder's loose truthiness for query flags (<c>all_tenants=1</c>, <c>cascade=True</c>).</summary>
    public static bool IsTrue(string? value) =>
        value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase)
                              || value.Equals("yes", StringComparison.OrdinalIgnoreCase));

    /// <summary>An admin may ask to see every project's rows; anyone else sees their own.</summary>
    public static bool AllTenants(IQueryCollection q, ApiRequest req) => req.Caller.IsAdmin && IsTrue(q["all_tenants"]);

    /// <summary><c>with_count</c> exists from 3.45.</summary>
    public static bool WithCount(IQueryCollection q, ApiRequest req) => req.Version.AtLeast(45) && IsTrue(q["with_count"]);
}
