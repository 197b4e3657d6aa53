using System.Reflection;
using BlockStore.Api.Auth;

namespace BlockStore.Api.Infrastructure;

/// <summary>What every handler needs to know about the request: who, which microversion, and how to link.</summary>
public sealed record ApiRequest(Caller Caller, Microversion Version, string BaseUrl, string? RequestId)
{
    /// <summary>The project in the URL, or the caller's own when the URL has none (3.67).</summary>
    public string ProjectId => Caller.ProjectId;

    public string Self(string collection, object id) => $"{BaseUrl}/v3/{ProjectId}/{collection}/{id}";

    public string Bookmark(string collection, object id) => $"{BaseUrl}/{ProjectId}/{collection}/{id}";

    public static ValueTask<ApiRequest?> BindAsync(HttpContext http, ParameterInfo parameter) =>
        ValueTask.FromResult<ApiRequest?>(new ApiRequest(
            Caller.From(http.User),
            MicroversionMiddleware.Of(http),
            $"{http.Request.Scheme}://{http.Request.Host}",
            RequestIdMiddleware.Of(http)));
}
