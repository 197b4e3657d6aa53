namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Maps the v3 routes twice: under <c>/v3/{project_id}</c> and under <c>/v3</c> (3.67). An endpoint filter
/// on both requires a token and a URL project equal to the token's, which Cinder answers with 400.
/// </summary>
public static class ProjectScope
{
    public static void MapV3(this IEndpointRouteBuilder app, Action<RouteGroupBuilder> map)
    {
        foreach (var prefix in new[] { "/v3/{project_id}", "/v3" })
        {
            var group = app.MapGroup(prefix).AddEndpointFilter(RequireCaller).AddEndpointFilter<ValidationFilter>();
            map(group);
        }
    }

    /// <summary>Maps the image registry's <c>/v2</c> routes (Glance's shape): a token is required, and there is no project in the URL.</summary>
    public static void MapV2(this IEndpointRouteBuilder app, Action<RouteGroupBuilder> map) =>
        map(app.MapGroup("/v2").AddEndpointFilter(RequireCaller).AddEndpointFilter<ValidationFilter>());

    private static async ValueTask<object?> RequireCaller(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var http = ctx.HttpContext;
        if (http.User.Identity?.IsAuthenticated != true)
            return CinderFault.Result(401, "The request you have made requires authentication.");
        var project = http.User.FindFirst(Auth.CallerClaims.Project)?.Value;
        if (http.GetRouteValue("project_id") is string inUrl && inUrl != project)
            return CinderFault.Result(400, "Malformed request url");
        return await next(ctx);
    }
}
