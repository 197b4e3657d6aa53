using System.Security.Claims;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Auth;

public static class Roles
{
    public const string Admin = "admin";
    public const string Member = "member";
    public const string Reader = "reader";
}

/// <summary>Claim types shared by the auth modes once a token is accepted.</summary>
public static class CallerClaims
{
    public const string User = "blockstore:user";
    public const string Project = "blockstore:project";
    public const string Role = "blockstore:role";

    /// <summary>The caller as every auth mode hands it on once its token is accepted.</summary>
    public static ClaimsPrincipal Principal(string user, string project, IEnumerable<string> roles, string scheme)
    {
        var claims = new List<Claim> { new(User, user), new(Project, project) };
        claims.AddRange(roles.Select(r => new Claim(Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}

/// <summary>Who is calling, in which project, with which roles; Cinder's default policy on top.</summary>
public sealed record Caller(string UserId, string ProjectId, IReadOnlySet<string> Roles)
{
    public bool IsAdmin => Roles.Contains(Auth.Roles.Admin);
    public bool CanWrite => IsAdmin || Roles.Contains(Auth.Roles.Member);

    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(CallerClaims.User) ?? "",
        user.FindFirstValue(CallerClaims.Project) ?? "",
        user.FindAll(CallerClaims.Role).Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>Member or admin: create, update, delete, extend, retype, snapshot.</summary>
    public void RequireWrite(string action)
    {
        if (!CanWrite) throw new PolicyNotAuthorizedException(action);
    }

    public void RequireAdmin(string action)
    {
        if (!IsAdmin) throw new PolicyNotAuthorizedException(action);
    }

    /// <summary>A resource of another project is invisible (404) unless the caller is an admin.</summary>
    public bool CanSee(string projectId) => IsAdmin || projectId == ProjectId;
}
