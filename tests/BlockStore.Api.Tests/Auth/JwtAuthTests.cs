using System.Net.Http.Headers;
using System.Security.Claims;
using BlockStore.Api.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BlockStore.Api.Tests.Auth;

/// <summary>Auth:Mode jwt: OIDC bearer tokens, checked for issuer, audience, key and lifetime; their claims carry the project and roles.</summary>
public sealed class JwtAuthTests
{
    private const string Issuer = "https://idp.example.test";
    private const string Audience = "blockstore";
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static async Task<ConfiguredApi> ApiAsync() => new(new Dictionary<string, string?>
    {
        ["ConnectionStrings:BlockStore"] = (await ApiHost.GetAsync()).ConnectionString,
        ["Auth:Mode"] = "jwt",
        ["Auth:Jwt:Issuer"] = Issuer,
        ["Auth:Jwt:Audience"] = Audience,
        ["Auth:Jwt:SigningKey"] = Convert.ToBase64String(Key),
    });

    private static string Token(string? project, string[] roles, string audience = Audience, byte[]? key = null, DateTime? expires = null)
    {
        var claims = new List<Claim> { new("sub", "user-1") };
        if (project is not null) claims.Add(new("project_id", project));
        claims.AddRange(roles.Select(r => new Claim("roles", r)));
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = (expires ?? now.AddHours(1)).AddHours(-2),
            IssuedAt = (expires ?? now.AddHours(1)).AddHours(-2),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? Key), SecurityAlgorithms.HmacSha256),
        });
    }

    private static ApiClient Client(ConfiguredApi host, string token, string project)
    {
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ApiClient(http, null, project);
    }

    [Fact]
    public async Task A_members_token_acts_in_its_project_and_a_readers_token_only_reads()
    {
        await using var host = await ApiAsync();
        var project = $"jwt-{Guid.NewGuid():N}";
        var member = Client(host, Token(project, ["member"]), project);
        (await member.Post("volumes", new { volume = new { size = 1 } })).ShouldHave(202);
        (await member.Get("volumes")).ShouldHave(200);
        (await Client(host, Token(project, ["member"]), "elsewhere").Get("volumes")).ShouldBeFault(400, "badRequest");
        var reader = Client(host, Token(project, ["reader"]), project);
        (await reader.Get("volumes")).ShouldHave(200);
        (await reader.Post("volumes", new { volume = new { size = 1 } })).ShouldBeFault(403, "forbidden");
    }

    [Fact]
    public async Task Tokens_for_another_audience_signed_by_another_key_expired_or_without_a_project_are_unauthorized()
    {
        await using var host = await ApiAsync();
        var project = $"jwt-{Guid.NewGuid():N}";
        foreach (var token in new[]
        {
            Token(project, ["member"], audience: "someone-else"),
            Token(project, ["member"], key: Enumerable.Repeat((byte)7, 32).ToArray()),
            Token(project, ["member"], expires: DateTime.UtcNow.AddHours(-1)),
            Token(null, ["member"]),
            "not.a.jwt",
        })
            (await Client(host, token, project).Get("volumes")).ShouldBeFault(401, "unauthorized");
    }
}
