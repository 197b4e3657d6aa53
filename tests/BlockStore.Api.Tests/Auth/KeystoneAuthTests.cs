using System.Net.Http.Json;
using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Auth;

/// <summary>
/// Auth:Mode keystone against the stack's real Keystone (scripts/stack up provisions it): tokens from a password login are
/// validated by Keystone, and their project and roles are the caller's.
/// </summary>
public sealed class KeystoneAuthTests
{
    private static string Env(string name) =>
        Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: run the tests with scripts/test.");

    private static readonly string Url = Env("BLOCKSTORE_KEYSTONE_URL");
    private static readonly string Password = Env("BLOCKSTORE_KEYSTONE_PASSWORD");

    /// <summary>An API in keystone mode, on the database of the shared test host.</summary>
    private static async Task<ConfiguredApi> ApiAsync(string? cacheFor = null, string? url = null, string? servicePassword = null) => new(new Dictionary<string, string?>
    {
        ["ConnectionStrings:BlockStore"] = (await ApiHost.GetAsync()).ConnectionString,
        ["Auth:Mode"] = "keystone",
        ["Auth:Keystone:Url"] = url ?? Url,
        ["Auth:Keystone:ServicePassword"] = servicePassword ?? Env("BLOCKSTORE_KEYSTONE_SERVICE_PASSWORD"),
        ["Auth:Keystone:CacheFor"] = cacheFor ?? "00:05:00",
        ["Auth:Keystone:Timeout"] = "00:00:05",
    });

    /// <summary>A password login to Keystone: the token, and the id of the project it is scoped to (null unscoped).</summary>
    private static async Task<(string Token, string? Project)> LoginAsync(string user, string? project)
    {
        using var keystone = new HttpClient();
        var domain = new { id = "default" };
        object auth = new
        {
            identity = new { methods = new[] { "password" }, password = new { user = new { name = user, domain, password = Password } } },
        };
        if (project is not null)
            auth = new
            {
                identity = new { methods = new[] { "password" }, password = new { user = new { name = user, domain, password = Password } } },
                scope = new { project = new { name = project, domain } },
            };
        // A body of known length: Keystone's development server cannot read a chunked one.
        using var response = await keystone.PostAsync($"{Url}/auth/tokens?nocatalog",
            new StringContent(JsonSerializer.Serialize(new { auth }), System.Text.Encoding.UTF8, "application/json"));
        ((int)response.StatusCode).ShouldBe(201, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var scoped = body.GetProperty("token").TryGetProperty("project", out var p) ? p.GetProperty("id").GetString() : null;
        return (response.Headers.GetValues("X-Subject-Token").First(), scoped);
    }

    private static async Task RevokeAsync(string token)
    {
        var (admin, _) = await LoginAsync("admin", "admin");
        using var keystone = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{Url}/auth/tokens") { Headers = { { "X-Auth-Token", admin }, { "X-Subject-Token", token } } };
        ((int)(await keystone.SendAsync(request)).StatusCode).ShouldBe(204);
    }

    [Fact]
    public async Task A_members_token_acts_in_its_project_and_a_readers_token_only_reads()
    {
        await using var host = await ApiAsync();
        var (token, project) = await LoginAsync("demo", "demo");
        var member = new ApiClient(host.CreateClient(), token, project!);
        (await member.Get("volumes")).ShouldHave(200);
        var created = (await member.Post("volumes", new { volume = new { size = 1, name = "keystone" } })).ShouldHave(202).Json.GetProperty("volume");
        created.GetProperty("user_id").GetString().ShouldNotBeNullOrEmpty();
        // The project in the URL must be the token's.
        (await new ApiClient(host.CreateClient(), token, "another-project").Get("volumes")).ShouldBeFault(400, "badRequest");

        var (readerToken, readerProject) = await LoginAsync("reader", "demo");
        readerProject.ShouldBe(project);
        var reader = new ApiClient(host.CreateClient(), readerToken, project!);
        (await reader.Get($"volumes/{created.GetProperty("id").GetString()}")).ShouldHave(200);
        (await reader.Post("volumes", new { volume = new { size = 1 } })).ShouldBeFault(403, "forbidden");
        // No worker makes it available here; an admin's force-delete takes it (and its quota) away again.
        var (adminToken, adminProject) = await LoginAsync("admin", "admin");
        (await new ApiClient(host.CreateClient(), adminToken, adminProject!).Post($"volumes/{created.GetProperty("id").GetString()}/action",
            new Dictionary<string, object?> { ["os-force_delete"] = null })).ShouldHave(202);
    }

    [Fact]
    public async Task An_admins_token_reaches_the_admin_routes_and_a_members_does_not()
    {
        await using var host = await ApiAsync();
        var (adminToken, adminProject) = await LoginAsync("admin", "admin");
        (await new ApiClient(host.CreateClient(), adminToken, adminProject!).Get("os-services")).ShouldHave(200);
        var (memberToken, memberProject) = await LoginAsync("demo", "demo");
        (await new ApiClient(host.CreateClient(), memberToken, memberProject!).Get("os-services")).ShouldBeFault(403, "forbidden");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("gAAAAABnot-a-fernet-token")]
    [InlineData("demo:demo")]
    public async Task A_token_Keystone_does_not_know_is_unauthorized(string token)
    {
        await using var host = await ApiAsync();
        (await new ApiClient(host.CreateClient(), token, "demo").Get("volumes")).ShouldBeFault(401, "unauthorized");
        (await new ApiClient(host.CreateClient(), null, "demo").Get("volumes")).ShouldBeFault(401, "unauthorized");
    }

    [Fact]
    public async Task An_unscoped_token_is_unauthorized()
    {
        await using var host = await ApiAsync();
        var (token, project) = await LoginAsync("admin", project: null);
        project.ShouldBeNull();
        (await new ApiClient(host.CreateClient(), token, "admin").Get("volumes")).ShouldBeFault(401, "unauthorized");
    }

    [Fact]
    public async Task A_revoked_token_is_refused_once_its_cached_answer_ends()
    {
        var (token, project) = await LoginAsync("demo", "demo");
        await using var cached = await ApiAsync();
        await using var uncached = await ApiAsync(cacheFor: "00:00:00");
        var fromCache = new ApiClient(cached.CreateClient(), token, project!);
        (await fromCache.Get("volumes")).ShouldHave(200);
        (await new ApiClient(uncached.CreateClient(), token, project!).Get("volumes")).ShouldHave(200);

        await RevokeAsync(token);
        // Keystone is asked again only when the cached answer ends, as with keystonemiddleware's cache.
        (await fromCache.Get("volumes")).ShouldHave(200);
        (await new ApiClient(uncached.CreateClient(), token, project!).Get("volumes")).ShouldBeFault(401, "unauthorized");
    }

    [Fact]
    public async Task Keystone_unreachable_or_refusing_BlockStore_answers_503_never_401_or_500()
    {
        var (token, project) = await LoginAsync("demo", "demo");
        await using (var unreachable = await ApiAsync(url: "http://127.0.0.1:9/v3"))
        {
            (await new ApiClient(unreachable.CreateClient(), token, project!).Get("volumes")).ShouldBeFault(503, "serviceUnavailable")
                .ShouldBe("The identity service could not validate the token; try again later.");
        }
        await using var wrongPassword = await ApiAsync(servicePassword: "not-the-password");
        (await new ApiClient(wrongPassword.CreateClient(), token, project!).Get("volumes")).ShouldBeFault(503, "serviceUnavailable");
    }

    [Fact]
    public void Keystone_mode_without_its_settings_does_not_start()
    {
        using var noUrl = new ConfiguredApi(new Dictionary<string, string?> { ["Auth:Mode"] = "keystone", ["Auth:Keystone:ServicePassword"] = "x" });
        Should.Throw<InvalidOperationException>(() => noUrl.CreateClient()).Message.ShouldContain("Auth:Keystone:Url");
        using var noPassword = new ConfiguredApi(new Dictionary<string, string?> { ["Auth:Mode"] = "keystone", ["Auth:Keystone:Url"] = Url });
        Should.Throw<InvalidOperationException>(() => noPassword.CreateClient()).Message.ShouldContain("ServicePassword");
    }
}
