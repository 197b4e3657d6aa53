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
        var auth = services.AddAuthorization().AddAuthentication(options.Mode == "jwt" ? JwtBearerDefaults.AuthenticationScheme : NoAuthHandler.SchemeName);
        if (options.Mode == "jwt") AddJwt(auth, options.Jwt);
        else if (options.Mode == "noauth") auth.AddScheme<AuthenticationSchemeOptions, NoAuthHandler>(NoAuthHandler.SchemeName, null);
        else throw new InvalidOperationException($"Auth:Mode must be 'noauth' or 'jwt', not '{options.Mode}'.");
        return services;
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
                    var claims = new List<Claim>
                    {
                        new(CallerClaims.User, p.FindFirstValue("sub") ?? ""),
                        new(CallerClaims.Project, p.FindFirstValue(jwt.ProjectClaim) ?? ""),
                    };
                    claims.AddRange(p.FindAll(jwt.RolesClaim).Select(c => new Claim(CallerClaims.Role, c.Value)));
                    if (claims[1].Value.Length == 0) { ctx.Fail($"The token has no '{jwt.ProjectClaim}' claim."); return Task.CompletedTask; }
                    ctx.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, JwtBearerDefaults.AuthenticationScheme));
                    return Task.CompletedTask;
                },
            };
        });
}
