namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>Short ways through the API for what many tests need first.</summary>
public static class Flows
{
    /// <summary>A request body holding one volume action: <c>{"os-extend": {...}}</c>.</summary>
    public static Dictionary<string, object> Action(string name, object args) => new() { [name] = args };

    /// <summary>Creates a volume through the API (quota charged, outbox written); it stays <c>creating</c>.</summary>
    public static async Task<string> CreateVolumeAsync(this Tenant t, int size = 1, string? name = null, string? type = null)
    {
        var reply = (await t.Member.Post("volumes", new { volume = new { size, name, volume_type = type } })).ShouldHave(202);
        return reply.Json.GetProperty("volume").GetProperty("id").GetString()!;
    }

    /// <summary>Creates a volume, then has the admin reset it to <c>available</c>, since no worker runs here.</summary>
    public static async Task<string> CreateAvailableVolumeAsync(this Tenant t, int size = 1, string? name = null, string? type = null)
    {
        var id = await t.CreateVolumeAsync(size, name, type);
        (await t.Admin.Post($"volumes/{id}/action", Action("os-reset_status", new { status = "available" }))).ShouldHave(202);
        return id;
    }

    /// <summary>Creates a volume type as the tenant's admin; returns its id.</summary>
    public static async Task<string> CreateTypeAsync(this Tenant t, string name, Dictionary<string, string>? extraSpecs = null, bool isPublic = true)
    {
        var type = new Dictionary<string, object> { ["name"] = name, ["os-volume-type-access:is_public"] = isPublic };
        if (extraSpecs is not null) type["extra_specs"] = extraSpecs;
        var reply = (await t.Admin.Post("types", new Dictionary<string, object> { ["volume_type"] = type })).ShouldHave(200);
        return reply.Json.GetProperty("volume_type").GetProperty("id").GetString()!;
    }

    public static async Task<string> CreateSnapshotAsync(this Tenant t, string volumeId, string? name = null)
    {
        var reply = (await t.Member.Post("snapshots", new { snapshot = new { volume_id = volumeId, name } })).ShouldHave(202);
        return reply.Json.GetProperty("snapshot").GetProperty("id").GetString()!;
    }

    public static async Task<string> StatusOfAsync(this ApiClient client, string collection, string id)
    {
        var reply = (await client.Get($"{collection}s/{id}")).ShouldHave(200);
        return reply.Json.GetProperty(collection).GetProperty("status").GetString()!;
    }

    /// <summary>Property names of a JSON object, for comparing a body's shape with Cinder's.</summary>
    public static string[] Keys(this System.Text.Json.JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();
}
