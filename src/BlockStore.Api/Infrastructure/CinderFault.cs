using System.Text.Json;

namespace BlockStore.Api.Infrastructure;

/// <summary>Writes Cinder's fault body: <c>{"badRequest": {"code": 400, "message": "…"}}</c>.</summary>
public static class CinderFault
{
    public static string NameFor(int status) => status switch
    {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        409 => "conflictingRequest",
        413 => "overLimit",
        415 => "badMediaType",
        416 => "rangeNotSatisfiable",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "computeFault",
    };

    public static async Task WriteAsync(HttpContext http, int status, string message, string? nameOverride = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        if (status == 413) http.Response.Headers.RetryAfter = "0";
        await using var w = new Utf8JsonWriter(http.Response.Body, JsonBody.WriterOptions);
        w.WriteStartObject();
        w.WriteStartObject(nameOverride ?? NameFor(status));
        w.WriteNumber("code", status);
        w.WriteString("message", message);
        if (status == 413) w.WriteString("retryAfter", "0");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// The fault for a status that left the pipeline without a body (no route, a method the route does not take). A
    /// method a path does not take is answered as a path that does not exist, 404, as Cinder does.
    /// </summary>
    public static Task WriteBareStatusAsync(HttpContext http)
    {
        if (http.Response.StatusCode is not (404 or 405))
            return WriteAsync(http, http.Response.StatusCode, "The request could not be served.");
        http.Response.Headers.Remove("Allow");
        return WriteAsync(http, 404, "The resource could not be found.");
    }

    /// <summary>The same body as an <see cref="IResult"/>, for handlers that answer a fault without throwing.</summary>
    public static IResult Result(int status, string message) => new FaultResult(status, message);

    private sealed class FaultResult(int status, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, status, message);
    }
}
