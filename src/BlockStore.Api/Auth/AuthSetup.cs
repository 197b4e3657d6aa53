using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace BlockStore.Api.Auth;

public static class AuthSetup
{
    public static IServiceCollection AddBlockStoreAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Auth");
        services.Configure<AuthOptions>(section);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        var scheme = options.Mode switch
        {
            "jwt" => JwtBearerDefaults.AuthenticationScheme,
            "keystone" => KeystoneAuthHandler.SchemeName,
            "noauth" => NoAuthHandler.SchemeName,
            _ => throw new InvalidOperationException($"Auth:Mode must be 'noauth', 'keystone' or 'jwt', not '{options.Mode}'."),
        };
        var auth = services.AddAuthorization().AddAuthentication(scheme);
        if (options.Mode == "jwt") AddJwt(auth, options.Jwt);
        else if (options.Mode == "keystone") AddKeystone(services, auth, options.Keystone);
        else auth.AddScheme<AuthenticationSchemeOptions, NoAuthHandler>(NoAuthHandler.SchemeName, null);
        return services;
    }

    private static void AddKeystone(IServiceCollection services, AuthenticationBuilder auth, KeystoneOptions keystone)
    {
        if (!Uri.TryCreate(keystone.Url, UriKind.Absolute, out _))
            throw new InvalidOperationException("Auth:Keystone:Url must be Keystone's v3 endpoint, e.g. http://keystone:5000/v3.");
        if (string.IsNullOrEmpty(keystone.ServicePassword))
            throw new InvalidOperationException("Auth:Keystone:ServicePassword is not set: BlockStore logs in to Keystone to validate tokens.");
        // One client for the process; pooled connections are renewed so that a moved Keystone is found again.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<KeystoneTokens>(sp,
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = keystone.Timeout }));
        auth.AddScheme<AuthenticationSchemeOptions, KeystoneAuthHandler>(KeystoneAuthHandler.SchemeName, null);
    }

    private static void AddJwt(AuthenticationBuilder auth, JwtOptions jwt) =>
        auth.AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            if (jwt.Authority is not null) o.Authority = jwt.Authority;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = jwt.Issuer,
                ValidateIssuer = jwt.Issuer is not null,
                ValidAudience = jwt.Audience,
                ValidateAudience = jwt.Audience is not null,
                IssuerSigningKey = jwt.SigningKey is null ? null : new SymmetricSecurityKey(Convert.FromBase64String(jwt.SigningKey)),
            };
            // Translate the token's claims into the ones the rest of the API reads, once, here.
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = ctx =>
                {
                    var p = ctx.Principal!;
                    if (p.FindFirstValue(jwt.ProjectClaim) is not { Length: > 0 } project)
                    {
                        ctx.Fail($"The token has no '{jwt.ProjectClaim}' claim.");
                        return Task.CompletedTask;
                    }
                    ctx.Principal = CallerClaims.Principal(p.FindFirstValue("sub") ?? "", project, p.FindAll(jwt.RolesClaim).Select(c => c.Value),
                        JwtBearerDefaults.AuthenticationScheme);
                    return Task.CompletedTask;
                },
            };
        });
}
