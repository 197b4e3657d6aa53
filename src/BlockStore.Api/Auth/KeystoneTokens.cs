using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BlockStore.Core.Errors;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Auth;

/// <summary>What Keystone says of a token it accepted: the caller and the project the token is scoped to, if any.</summary>
public sealed record KeystoneToken(string UserId, string? ProjectId, IReadOnlyList<string> Roles, DateTime ExpiresAt);

/// <summary>
/// Validates tokens with Keystone, as keystonemiddleware does for Cinder: <c>GET /v3/auth/tokens</c> with the token in
/// <c>X-Subject-Token</c>, authorised by BlockStore's own service token (a password login of its service user). Answers
/// are cached by the token's SHA-256 for <see cref="KeystoneOptions.CacheFor"/> (never past the token's expiry), refusals
/// included, so that a busy client costs Keystone one call per token per interval. A token revoked meanwhile is honoured
/// until its cache entry ends, as with keystonemiddleware's cache.
/// </summary>
public sealed class KeystoneTokens(HttpClient http, IOptions<AuthOptions> auth, TimeProvider clock, ILogger<KeystoneTokens> log)
{
    private readonly KeystoneOptions _options = auth.Value.Keystone;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = auth.Value.Keystone.CacheSize });
    private readonly SemaphoreSlim _login = new(1, 1);
    // A reference, swapped whole, so that a request never reads one login's token with another's expiry.
    private ServiceToken? _service;

    /// <summary>The token's caller, or null when Keystone does not accept it.</summary>
    /// <exception cref="ServiceUnavailableException">Keystone does not answer, or answers what it should not.</exception>
    public async Task<KeystoneToken?> ValidateAsync(string token, CancellationToken ct)
    {
        var key = "keystone:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_cache.TryGetValue(key, out KeystoneToken? known)) return known;

        var now = clock.GetUtcNow().UtcDateTime;
        var validated = await AskAsync(token, ct);
        var until = now + _options.CacheFor;
        if (validated is not null && validated.ExpiresAt < until) until = validated.ExpiresAt;
        if (until > now) _cache.Set(key, validated, new MemoryCacheEntryOptions { AbsoluteExpiration = until, Size = 1 });
        return validated;
    }

    private async Task<KeystoneToken?> AskAsync(string token, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var service = await ServiceTokenAsync(renew: attempt > 0, ct);
            using var request = new HttpRequestMessage(HttpMethod.Get, Url("auth/tokens"));
            request.Headers.Add("X-Auth-Token", service);
            request.Headers.Add("X-Subject-Token", token);
            using var response = await SendAsync(request, ct);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    return Parse((await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("token"));
                case HttpStatusCode.NotFound: // not a token Keystone knows, expired or revoked
                    return null;
                case HttpStatusCode.Unauthorized when attempt == 0: // our own token went stale: log in again, once
                    continue;
                default:
                    throw Unavailable($"Keystone answered {(int)response.StatusCode} to a token validation.");
            }
        }
    }

    /// <summary>BlockStore's service token, renewed a minute before it expires (or at once when Keystone refused it).</summary>
    private async Task<string> ServiceTokenAsync(bool renew, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!renew && _service is { } current && current.ExpiresAt - now > TimeSpan.FromMinutes(1)) return current.Token;
        await _login.WaitAsync(ct);
        try
        {
            if (!renew && _service is { } other && other.ExpiresAt - now > TimeSpan.FromMinutes(1)) return other.Token;
            var domain = new { name = _options.ServiceDomain };
            var body = new
            {
                auth = new
                {
                    identity = new
                    {
                        methods = new[] { "password" },
                        password = new { user = new { name = _options.ServiceUser, domain, password = _options.ServicePassword } },
                    },
                    scope = new { project = new { name = _options.ServiceProject, domain } },
                },
            };
            // A body of known length: some servers Keystone runs under (its development server among them) cannot read a chunked one.
            using var request = new HttpRequestMessage(HttpMethod.Post, Url("auth/tokens"))
            {
                Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
            };
            using var response = await SendAsync(request, ct);
            if (response.StatusCode != HttpStatusCode.Created || !response.Headers.TryGetValues("X-Subject-Token", out var tokens))
                throw Unavailable($"BlockStore's service user '{_options.ServiceUser}' could not log in to Keystone ({(int)response.StatusCode}).");
            var expires = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("token").GetProperty("expires_at").GetDateTime();
            _service = new ServiceToken(tokens.First(), expires.ToUniversalTime());
            log.LogInformation("Logged in to Keystone as {User}; the service token expires at {ExpiresAt:o}", _options.ServiceUser, _service.ExpiresAt);
            return _service.Token;
        }
        finally
        {
            _login.Release();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw Unavailable($"Keystone at {_options.Url} does not answer: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Unavailable($"Keystone at {_options.Url} did not answer within {http.Timeout.TotalSeconds:0} s.");
        }
    }

    private ServiceUnavailableException Unavailable(string reason)
    {
        log.LogWarning("Token validation failed: {Reason}", reason);
        return new ServiceUnavailableException("The identity service could not validate the token; try again later.");
    }

    private Uri Url(string path) => new($"{_options.Url!.TrimEnd('/')}/{path}");

    /// <summary>Keystone's token body: the user, the project (absent for an unscoped or domain-scoped token), the roles.</summary>
    internal static KeystoneToken Parse(JsonElement token) => new(
        token.GetProperty("user").GetProperty("id").GetString()!,
        token.TryGetProperty("project", out var project) ? project.GetProperty("id").GetString() : null,
        token.TryGetProperty("roles", out var roles) ? [.. roles.EnumerateArray().Select(r => r.GetProperty("name").GetString()!)] : [],
        token.GetProperty("expires_at").GetDateTime().ToUniversalTime());

    private sealed record ServiceToken(string Token, DateTime ExpiresAt);
}
