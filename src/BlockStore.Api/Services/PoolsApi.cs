using BlockStore.Api.Infrastructure;
using BlockStore.Api.Volumes;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Services;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Services;

/// <summary>
/// <c>GET …/scheduler-stats/get_pools</c>, for admins: one pool per backend whose volume service is up and enabled
/// (<see cref="ServiceRecord"/>), named <c>host@backend#pool</c> as <c>os-migrate_volume</c> takes it. With
/// <c>detail</c>, each pool's capabilities: the capacity its worker's last probe found, and what its volumes take.
/// The pools can be filtered by <c>name</c> from 3.28 and by <c>volume_type</c> (the backend the type selects) from 3.35.
/// </summary>
public static class PoolsApi
{
    private const double GiB = 1 << 30;

    public static void MapPoolsApi(this RouteGroupBuilder v3) =>
        v3.MapGet("/scheduler-stats/get_pools", List).WithTags("Services");

    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, IOptions<BackendCatalog> catalog,
        IOptions<ServiceOptions> options, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireAdmin("scheduler_extension:scheduler_stats:get_pools");
        ResourceFiltersApi.RejectUnknown("pool", http.Query, req, since: 28);
        var detail = BooleanParameter(http, "detail");
        var freshSince = ServiceRecord.FreshSince(clock.GetUtcNow().UtcDateTime, options.Value.DownAfter);
        var services = await db.Services.AsNoTracking()
            .Where(s => s.Binary == ServiceRecord.VolumeBinary && s.UpdatedAt >= freshSince && !s.Disabled)
            .OrderBy(s => s.Host).ToListAsync(ct);
        var pools = services.Select(s => new Pool(s, s.Backend, $"{s.Host}#{catalog.Value.PoolOf(s.Backend)}")).ToList();
        if (req.Version.AtLeast(28) && http.Query["name"].ToString() is { Length: > 0 } name) pools = pools.Where(p => p.Name == name).ToList();
        if (req.Version.AtLeast(35))
        {
            if (http.Query["volume_type"].ToString() is { Length: > 0 } typeName)
            {
                var backend = VolumeLookup.BackendFor(await VolumeLookup.FindTypeAsync(db, typeName, req, ct), catalog.Value);
                pools = pools.Where(p => p.Backend == backend).ToList();
            }
        }
        var allocated = detail ? await AllocatedAsync(db, pools.Select(p => p.Backend).Distinct().ToList(), ct) : [];

        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("pools");
            foreach (var pool in pools)
            {
                w.WriteStartObject();
                w.WriteString("name", pool.Name);
                if (detail) WriteCapabilities(w, pool, catalog.Value, allocated.GetValueOrDefault(pool.Backend));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private sealed record Pool(ServiceRecord Service, string Backend, string Name);

    /// <summary>What every backend reports as its vendor and driver version (here and in <see cref="CapabilitiesApi"/>).</summary>
    internal const string VendorName = "BlockStore", DriverVersion = "1.0.0";

    /// <summary>Cinder's <c>storage_protocol</c>: <c>ceph</c> for an RBD backend, as Cinder's RBD driver says, else <c>file</c>.</summary>
    internal static string StorageProtocol(BackendCatalog catalog, string backend) =>
        catalog.Backends.TryGetValue(backend, out var config) && config.Driver == "rbd" ? "ceph" : "file";

    /// <summary>Cinder's capability names, as its RBD driver reports them; what a backend's probe could not measure is <c>unknown</c>.</summary>
    private static void WriteCapabilities(System.Text.Json.Utf8JsonWriter w, Pool pool, BackendCatalog catalog, long allocatedGb)
    {
        w.WriteStartObject("capabilities");
        w.WriteString("pool_name", catalog.PoolOf(pool.Backend));
        w.WriteString("volume_backend_name", pool.Backend);
        w.WriteString("vendor_name", VendorName);
        w.WriteString("driver_version", DriverVersion);
        w.WriteString("storage_protocol", StorageProtocol(catalog, pool.Backend));
        Capacity(w, "total_capacity_gb", pool.Service.TotalBytes);
        Capacity(w, "free_capacity_gb", pool.Service.FreeBytes);
        w.WriteNumber("allocated_capacity_gb", allocatedGb);
        w.WriteNumber("provisioned_capacity_gb", allocatedGb);
        w.WriteNumber("reserved_percentage", 0);
        w.WriteBoolean("thin_provisioning_support", true);
        w.WriteBoolean("thick_provisioning_support", false);
        var config = catalog.Backends.GetValueOrDefault(pool.Backend);
        w.WriteBoolean("multiattach", config?.SupportsMultiattach ?? false);
        w.WriteBoolean("QoS_support", config?.SupportsBackEndQos ?? false);
        w.WriteString("backend_state", pool.Service.BackendUp ? "up" : "down");
        w.WriteTimestamp("timestamp", pool.Service.UpdatedAt);
        w.WriteEndObject();
    }

    private static void Capacity(System.Text.Json.Utf8JsonWriter w, string name, long? bytes)
    {
        if (bytes is { } b) w.WriteNumber(name, Math.Round(b / GiB, 2));
        else w.WriteString(name, "unknown");
    }

    /// <summary>The GiB the volumes on each backend were created with (Cinder's <c>allocated_capacity_gb</c>).</summary>
    private static async Task<Dictionary<string, long>> AllocatedAsync(BlockStoreDbContext db, List<string> backends, CancellationToken ct) =>
        await db.Volumes.AsNoTracking().Where(v => backends.Contains(v.Backend))
            .GroupBy(v => v.Backend).Select(g => new { Backend = g.Key, Gb = g.Sum(v => (long)v.Size) })
            .ToDictionaryAsync(x => x.Backend, x => x.Gb, ct);

    /// <summary>oslo's strict boolean for a query parameter (absent: false); anything else is Cinder's 400.</summary>
    private static bool BooleanParameter(HttpRequest http, string name) =>
        http.Query[name].ToString() is not { Length: > 0 } text
            ? false
            : CinderBoolConverter.Parse(text) ?? throw new InvalidRequestException($"Value '{text}' for '{name}' is not a boolean.");
}
