namespace BlockStore.Api.Auth;

/// <summary>Configuration section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>
    /// <c>noauth</c> (development; token is <c>user:project</c>), <c>keystone</c> (tokens validated by Keystone) or
    /// <c>jwt</c> (OIDC bearer tokens).
    /// </summary>
    public string Mode { get; set; } = "noauth";

    /// <summary>noauth: roles per user id; users not listed are members.</summary>
    public Dictionary<string, string[]> NoAuthRoles { get; set; } = new() { ["admin"] = ["admin"] };

    public JwtOptions Jwt { get; set; } = new();

    public KeystoneOptions Keystone { get; set; } = new();
}

/// <summary>Keystone mode: where Keystone is, and BlockStore's own service user there (it needs the <c>service</c> or <c>admin</c> role).</summary>
public sealed class KeystoneOptions
{
    /// <summary>Keystone's v3 endpoint, e.g. <c>http://keystone:5000/v3</c>.</summary>
    public string? Url { get; set; }
    public string ServiceUser { get; set; } = "blockstore";
    public string? ServicePassword { get; set; }
    public string ServiceProject { get; set; } = "service";
    /// <summary>The domain (by name) of the service user and of its project.</summary>
    public string ServiceDomain { get; set; } = "Default";
    /// <summary>How long Keystone's answer for a token is kept (keystonemiddleware's <c>token_cache_time</c>, 300 s).</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>How long a call to Keystone may take before the request answers 503.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Validated tokens kept at once; the least recently added go first past it.</summary>
    public int CacheSize { get; set; } = 100_000;
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
