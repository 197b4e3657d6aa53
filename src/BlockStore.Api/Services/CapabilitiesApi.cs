using BlockStore.Api.Infrastructure;
using BlockStore.Core.Volumes;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Services;

/// <summary>
/// <c>GET …/capabilities/{host}</c>, for admins (<c>cinder get-capabilities host@backend</c>): what a backend's volume
/// service offers, in the shape of Cinder's capabilities view. <c>properties</c> lists the volume type extra specs a
/// backend acts on besides <c>volume_backend_name</c>: none, so it is empty rather than a list of switches that do nothing.
/// </summary>
public static class CapabilitiesApi
{
    public static void MapCapabilitiesApi(this RouteGroupBuilder v3) => v3.MapGet("/capabilities/{host}", Show).WithTags("Services");

    public static async Task<IResult> Show(string host, ApiRequest req, BlockStoreDbContext db, IOptions<BackendCatalog> catalog,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:capabilities");
        var service = await ServiceRegistry.FindVolumeServiceAsync(db, host, ct) ?? throw new ResourceNotFoundException($"Can't find service: {host}");
        var backend = service.Backend;
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("namespace", $"OS::Storage::Capabilities::{service.Host}");
            w.WriteString("vendor_name", PoolsApi.VendorName);
            w.WriteString("volume_backend_name", backend);
            w.WriteString("pool_name", catalog.Value.PoolOf(backend));
            w.WriteString("driver_version", PoolsApi.DriverVersion);
            w.WriteString("storage_protocol", PoolsApi.StorageProtocol(catalog.Value, backend));
            w.WriteNull("display_name");
            w.WriteNull("description");
            w.WriteNull("visibility");
            w.WriteStartObject("properties");
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
