using System.Globalization;
using System.Reflection;
using BlockStore.Api.Auth;

namespace BlockStore.Api.Infrastructure;

/// <summary>What every handler needs to know about the request: who, which microversion, and how to link.</summary>
public sealed record ApiRequest(Caller Caller, Microversion Version, string BaseUrl, string? RequestId)
{
    /// <summary>The project in the URL, or the caller's own when the URL has none (3.67).</summary>
    public string ProjectId => Caller.ProjectId;

    /// <summary>
    /// A resource's self link (<c>{base}/v3/{project}/{collection}/{id}</c>) or bookmark (without <c>/v3</c>),
    /// formatted into <paramref name="buffer"/>, or into an array of its own when it does not fit (a long Host).
    /// </summary>
    public ReadOnlySpan<char> Link(Span<char> buffer, bool bookmark, string collection, Guid id)
    {
        var v3 = bookmark ? "" : "/v3";
        var needed = BaseUrl.Length + v3.Length + ProjectId.Length + collection.Length + 38; // three slashes and a Guid's 36
        var target = needed <= buffer.Length ? buffer : new char[needed];
        target.TryWrite(CultureInfo.InvariantCulture, $"{BaseUrl}{v3}/{ProjectId}/{collection}/{id}", out var length);
        return target[..length];
    }

    public static ValueTask<ApiRequest?> BindAsync(HttpContext http, ParameterInfo parameter) =>
        ValueTask.FromResult<ApiRequest?>(new ApiRequest(
            Caller.From(http.User),
            MicroversionMiddleware.Of(http),
            $"{http.Request.Scheme}://{http.Request.Host}",
            RequestIdMiddleware.Of(http)));
}
