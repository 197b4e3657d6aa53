using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>Base of every test class: the shared host, and fresh projects for each test.</summary>
public abstract class ApiTest : IAsyncLifetime
{
    private readonly string _tag = $"test{Guid.NewGuid():N}"[..16];

    protected ApiHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ApiHost.GetAsync();

    /// <summary>
    /// Volume types are global, not per project: the ones this test named with <see cref="Unique"/> are
    /// removed afterwards, with the test's volumes of those types and the project defaults naming them, and so are its QoS
    /// specs, so that the shared database stays usable.
    /// </summary>
    public async Task DisposeAsync()
    {
        await using var db = Host.NewDb();
        var types = await db.VolumeTypes.Where(t => t.Name.StartsWith(_tag)).Select(t => t.Id).ToListAsync();
        await db.ProjectDefaultTypes.Where(d => types.Contains(d.VolumeTypeId)).ExecuteDeleteAsync();
        var volumes = db.Volumes.Where(v => types.Contains(v.VolumeTypeId));
        await db.Snapshots.Where(s => volumes.Any(v => v.Id == s.VolumeId)).ExecuteDeleteAsync();
        await volumes.ExecuteDeleteAsync();
        await db.VolumeTypes.Where(t => types.Contains(t.Id)).ExecuteDeleteAsync();
        await db.QosSpecs.Where(q => q.Name.StartsWith(_tag)).ExecuteDeleteAsync();
    }

    protected Tenant NewTenant() => new(Host);

    /// <summary>A name no other test uses, for global resources (volume types).</summary>
    protected string Unique(string what) => $"{_tag}-{what}";
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
