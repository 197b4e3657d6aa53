using System.Text.Json;
using BlockStore.Api.Infrastructure;

namespace BlockStore.Api.Versions;

/// <summary>The versions document: <c>GET /</c> answers 300, <c>GET /v3/</c> 200, as Cinder does.</summary>
public static class VersionsApi
{
    /// <summary>When the advertised maximum's behaviour last changed.</summary>
    private const string Updated = "2022-08-31T00:00:00Z";

    public static void MapVersionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => new JsonBody(300, w => Write(w, http))).WithTags("Versions");
        // One route: routing ignores a trailing slash, so "/v3" also serves "/v3/" (two routes were ambiguous).
        app.MapGet("/v3", (HttpContext http) => JsonBody.Ok(w => Write(w, http))).WithTags("Versions");
    }

    private static void Write(Utf8JsonWriter w, HttpContext http)
    {
        var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}";
        w.WriteStartObject();
        w.WriteStartArray("versions");
        w.WriteStartObject();
        w.WriteString("id", "v3.0");
        w.WriteString("status", "CURRENT");
        w.WriteString("version", Microversion.Max.ToString());
        w.WriteString("min_version", Microversion.Min.ToString());
        w.WriteString("updated", Updated);
        w.WriteStartArray("links");
        w.WriteStartObject(); w.WriteString("rel", "describedby"); w.WriteString("type", "text/html"); w.WriteString("href", $"{baseUrl}/docs"); w.WriteEndObject();
        w.WriteStartObject(); w.WriteString("rel", "self"); w.WriteString("href", $"{baseUrl}/v3/"); w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("media-types");
        w.WriteStartObject();
        w.WriteString("base", "application/json");
        w.WriteString("type", "application/vnd.openstack.volume+json;version=3");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
