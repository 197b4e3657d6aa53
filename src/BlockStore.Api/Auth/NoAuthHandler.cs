using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Auth;

/// <summary>
/// Cinder's noauth: <c>X-Auth-Token: user_id:project_id</c>, exactly what cinderclient sends without
/// Keystone. Roles come from configuration; an unlisted user is a member. glanceclient percent-encodes the token's colon
/// (<c>user_id%3Aproject_id</c>), which is read the same.
/// </summary>
public sealed class NoAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "noauth";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Request.Headers["X-Auth-Token"].ToString();
        if (token.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
        var parts = (token.Contains('%') ? Uri.UnescapeDataString(token) : token).Split(':');
        if (parts.Length != 2 || !IsId(parts[0]) || !IsId(parts[1]))
            return Task.FromResult(AuthenticateResult.Fail("The token must be user_id:project_id."));

        var roles = auth.Value.NoAuthRoles.GetValueOrDefault(parts[0]) ?? [Roles.Member];
        var principal = CallerClaims.Principal(parts[0], parts[1], roles, SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    private static bool IsId(string s) => s.Length is > 0 and <= 255 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
