namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>What the tests of the manage APIs (volumes and snapshots) share: the request body and a volume service.</summary>
public abstract class ManageApiTest : ApiTest
{
    /// <summary>
    /// A manage request: <c>{"&lt;resource&gt;": {…fields, …extra}}</c>, the members of <paramref name="extra"/> (an
    /// anonymous object) added to or replacing <paramref name="fields"/>.
    /// </summary>
    protected static object ManageRequest(string resource, Dictionary<string, object?> fields, object? extra)
    {
        if (extra is not null)
            foreach (var p in extra.GetType().GetProperties()) fields[p.Name] = p.GetValue(extra);
        return new Dictionary<string, object> { [resource] = fields };
    }

    /// <summary>Cinder's reference by name.</summary>
    protected static Dictionary<string, string> Source(string name) => new() { ["source-name"] = name };

    /// <summary>A volume service of the <c>ceph</c> backend on a host of this test's own (named after <paramref name="what"/>), up.</summary>
    protected async Task<string> CephServiceAsync(string what)
    {
        var host = $"{Unique(what)}@ceph";
        await Host.ServicesAsync(Seed.Service(host, backendUp: true, DateTime.UtcNow));
        return host;
    }
}
