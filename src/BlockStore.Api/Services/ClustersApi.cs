using BlockStore.Api.Infrastructure;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Services;

/// <summary>
/// <c>…/clusters</c> (3.7, admins): Cinder's clusters are volume services configured to run active-active under one
/// <c>cluster</c> name. BlockStore's services are never configured so (its workers share their queues without it; volumes
/// show no <c>cluster_name</c>), so the lists are empty and a cluster named is not found, as in a Cinder without clusters.
/// </summary>
public static class ClustersApi
{
    public static void MapClustersApi(this RouteGroupBuilder v3)
    {
        var clusters = v3.MapGroup("/clusters").WithTags("Services").RequireVersion(7);
        clusters.MapGet("", (HttpRequest http, ApiRequest req) => Empty(http, req));
        clusters.MapGet("/detail", (HttpRequest http, ApiRequest req) => Empty(http, req));
        clusters.MapGet("/{name}", (string name, ApiRequest req) =>
        {
            req.Caller.RequireAdmin("clusters:get");
            return Missing(name);
        });
        clusters.MapPut("/{action}", (string action, ClusterUpdateBody body, ApiRequest req) =>
        {
            req.Caller.RequireAdmin("clusters:update");
            if (action is not ("enable" or "disable")) return CinderFault.Result(404, "The resource could not be found.");
            return body.Name is { } name ? Missing(name) : throw new InvalidRequestException("'name' is a required property");
        });
    }

    private static JsonBody Empty(HttpRequest http, ApiRequest req)
    {
        req.Caller.RequireAdmin("clusters:get_all");
        return ListBody.Empty(http, req, "clusters");
    }

    private static IResult Missing(string name) => throw new ResourceNotFoundException($"Cluster {name} could not be found.");
}

/// <summary><c>PUT …/clusters/enable|disable</c>: <c>{"name": …, "binary": …, "disabled_reason": …}</c>.</summary>
public sealed class ClusterUpdateBody : OpenBody
{
    public string? Name { get; set; }
    public string? Binary { get; set; }
    public string? DisabledReason { get; set; }
}
