using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Auth;

/// <summary>
/// Keystone's tokens (<c>X-Auth-Token</c>), as every OpenStack client sends them after logging in: Keystone validates
/// each one (<see cref="KeystoneTokens"/>), and the token's project and roles become the caller's. Keystone's default
/// roles are Cinder's (admin, member, reader; an admin is given the others as implied roles). A token that is not scoped
/// to a project is refused, as Cinder cannot act for it.
/// </summary>
public sealed class KeystoneAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    KeystoneTokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "keystone";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Request.Headers["X-Auth-Token"].ToString();
        if (token.Length == 0) return AuthenticateResult.NoResult();
        var caller = await tokens.ValidateAsync(token, Context.RequestAborted);
        if (caller is null) return AuthenticateResult.Fail("Keystone does not accept the token.");
        if (caller.ProjectId is null) return AuthenticateResult.Fail("The token is not scoped to a project.");

        var principal = CallerClaims.Principal(caller.UserId, caller.ProjectId, caller.Roles, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
