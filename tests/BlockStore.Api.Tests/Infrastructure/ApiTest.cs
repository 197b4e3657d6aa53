namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>Base of every test class: the shared host, and fresh projects for each test.</summary>
public abstract class ApiTest : IAsyncLifetime
{
    protected ApiHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ApiHost.GetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    protected Tenant NewTenant() => new(Host);
}

/// <summary>
/// A project of its own, with a member, a reader and an admin in it (noauth: user <c>reader</c> is a
/// reader, user <c>admin</c> an admin, anyone else a member).
/// </summary>
public sealed class Tenant
{
    public Tenant(ApiHost host)
    {
        ProjectId = $"p{Guid.NewGuid():N}";
        Member = host.Client($"u{Guid.NewGuid():N}"[..12], ProjectId);
        Reader = host.Client("reader", ProjectId);
        Admin = host.Client("admin", ProjectId);
    }

    public string ProjectId { get; }
    public ApiClient Member { get; }
    public ApiClient Reader { get; }
    public ApiClient Admin { get; }
}
