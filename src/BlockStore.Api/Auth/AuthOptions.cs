namespace BlockStore.Api.Auth;

/// <summary>Configuration section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary><c>noauth</c> (development; token is <c>user:project</c>) or <c>jwt</c> (OIDC bearer tokens).</summary>
    public string Mode { get; set; } = "noauth";

    /// <summary>noauth: roles per user id; users not listed are members.</summary>
    public Dictionary<string, string[]> NoAuthRoles { get; set; } = new() { ["admin"] = ["admin"] };

    public JwtOptions Jwt { get; set; } = new();
}

public sealed class JwtOptions
{
    public string? Authority { get; set; }
    public string? Issuer { get; set; }
    public string? Audience { get; set; }
    /// <summary>Symmetric key (base64) for deployments without an OIDC discovery endpoint, and for tests.</summary>
    public string? SigningKey { get; set; }
    public string ProjectClaim { get; set; } = "project_id";
    public string RolesClaim { get; set; } = "roles";
}
