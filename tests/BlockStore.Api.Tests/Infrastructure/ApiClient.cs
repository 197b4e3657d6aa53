using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>
/// Sends requests as one caller and checks what every answer must have: never a 5xx, and under
/// <c>/v3</c> or <c>/</c> the negotiated <c>OpenStack-API-Version</c> with <c>Vary</c>, errors included (when a 3.x
/// version, or none, was asked for).
/// </summary>
public sealed class ApiClient(HttpClient http, string? token, string projectId)
{
    public string ProjectId => projectId;

    /// <summary>The microversion sent when a call names none; null sends no header (3.0).</summary>
    public string? Version { get; init; }

    public ApiClient At(string? version) => new(http, token, projectId) { Version = version };

    public Task<Reply> Get(string path, string? version = null) => Send(HttpMethod.Get, path, null, version);

    public Task<Reply> Delete(string path, string? version = null) => Send(HttpMethod.Delete, path, null, version);

    public Task<Reply> Post(string path, object body, string? version = null) => Send(HttpMethod.Post, path, body, version);

    public Task<Reply> Put(string path, object body, string? version = null) => Send(HttpMethod.Put, path, body, version);

    /// <summary>
    /// A relative path lands under <c>/v3/{project}/</c>; one starting with <c>/</c> is sent as is. A string
    /// body is sent verbatim (to send malformed JSON); anything else is serialized.
    /// </summary>
    public async Task<Reply> Send(HttpMethod method, string path, object? body, string? version = null, string contentType = "application/json")
    {
        var url = path.StartsWith('/') ? path : $"/v3/{projectId}/{path}";
        using var request = new HttpRequestMessage(method, url);
        if (token is not null) request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        if ((version ?? Version) is { } v) request.Headers.TryAddWithoutValidation("OpenStack-API-Version", $"volume {v}");
        if (body is not null)
        {
            var text = body as string ?? JsonSerializer.Serialize(body);
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        using var response = await http.SendAsync(request);
        var reply = new Reply((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers, method, url);

        // 503 serviceUnavailable is the one 5xx the API means: a dependency it needs is not there yet (tests that expect it say so).
        if (!(reply.Status == 503 && reply.Body.Contains("\"serviceUnavailable\"", StringComparison.Ordinal)))
            reply.Status.ShouldBeLessThan(500, $"{method} {url} must never answer a server error; it answered {reply.Status}: {reply.Body}");
        // A malformed version or another major version negotiates nothing, and Cinder then echoes none (samples 10, 11).
        var negotiated = (version ?? Version) is not { } asked || asked == "latest"
            || System.Text.RegularExpressions.Regex.IsMatch(asked, @"^3\.[0-9]+$");
        if (negotiated && (url == "/" || url.StartsWith("/v3", StringComparison.Ordinal)))
        {
            reply.Header("OpenStack-API-Version").ShouldNotBeNull($"{method} {url} ({reply.Status}) must echo OpenStack-API-Version");
            reply.Header("Vary").ShouldBe("OpenStack-API-Version", $"{method} {url} ({reply.Status}) must send Vary");
        }
        return reply;
    }
}

/// <summary>One answer, read completely so that it can be asserted on after the response is gone.</summary>
public sealed class Reply(int status, string body, HttpResponseHeaders headers, HttpMethod method, string url)
{
    private JsonElement? _json;

    public int Status => status;
    public string Body => body;

    public JsonElement Json => _json ??= JsonDocument.Parse(body).RootElement.Clone();

    public string? Header(string name) => headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public Reply ShouldHave(int expected)
    {
        status.ShouldBe(expected, $"{method} {url}: {body}");
        return this;
    }

    /// <summary>A Cinder fault: <c>{"badRequest": {"code": 400, "message": "…"}}</c>; returns the message.</summary>
    public string ShouldBeFault(int expected, string name)
    {
        ShouldHave(expected);
        var fault = Json.GetProperty(name);
        fault.GetProperty("code").GetInt32().ShouldBe(expected);
        return fault.GetProperty("message").GetString()!;
    }
}
