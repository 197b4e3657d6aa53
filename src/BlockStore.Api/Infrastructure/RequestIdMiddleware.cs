namespace BlockStore.Api.Infrastructure;

/// <summary>Every response carries <c>X-Openstack-Request-Id: req-&lt;uuid&gt;</c>, as Cinder's do.</summary>
public sealed class RequestIdMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        var id = $"req-{Guid.NewGuid()}";
        http.Items[typeof(RequestIdMiddleware)] = id;
        // At start, so that the exception handler's clearing of headers cannot drop it.
        http.Response.OnStarting(() =>
        {
            http.Response.Headers["X-Openstack-Request-Id"] = id;
            http.Response.Headers["X-Compute-Request-Id"] = id;
            return Task.CompletedTask;
        });
        return next(http);
    }

    public static string? Of(HttpContext http) => http.Items[typeof(RequestIdMiddleware)] as string;
}
