using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Services;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Files;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Attachments;

/// <summary>
/// What a consumer's host connects to, in the shape Cinder's attachments API gives it: the driver's data with
/// <c>driver_volume_type</c> beside it in one object (os-brick and Nova read it so), plus the attachment's id and mode.
/// RBD names the pool's image, the cluster's monitors (as the volume service last read them from the monitor map:
/// the API holds no connection to Ceph), the Ceph user and the libvirt secret; the file backend names the file, for
/// os-brick's <c>local</c> connector on the host that holds it.
/// </summary>
public static class ConnectionInfo
{
    public static async Task<string> BuildAsync(Volume volume, Guid attachmentId, string mode, BackendCatalog catalog, CephOptions ceph,
        BlockStoreDbContext db, CancellationToken ct)
    {
        var backend = catalog.Backends.GetValueOrDefault(volume.Backend)
            ?? throw new ServiceUnavailableException($"Volume {volume.Id} is on backend '{volume.Backend}', which this service is not configured for.");
        var monitors = backend.Driver == "rbd" ? await MonitorsAsync(db, catalog, volume.Backend, ct) : null;
        using var buffer = new PooledBufferWriter(1024);
        using (var w = new Utf8JsonWriter(buffer, JsonBody.WriterOptions))
        {
            w.WriteStartObject();
            if (monitors is not null)
            {
                w.WriteString("name", $"{backend.Pool}/{volume.ImageName}");
                w.WriteStartArray("hosts");
                foreach (var m in monitors) w.WriteStringValue(HostOf(m));
                w.WriteEndArray();
                w.WriteStartArray("ports");
                foreach (var m in monitors) w.WriteStringValue(m[(m.LastIndexOf(':') + 1)..]);
                w.WriteEndArray();
                w.WriteString("cluster_name", "ceph");
                w.WriteBoolean("auth_enabled", true);
                w.WriteString("auth_username", ceph.User);
                w.WriteString("secret_type", "ceph");
                w.WriteStringOrNull("secret_uuid", backend.SecretUuid);
                w.WriteBoolean("discard", true);
            }
            else
            {
                w.WriteString("device_path", Path.Combine(backend.Path ?? "", FileVolumeStore.FileNameOf(volume.Id)));
            }
            w.WriteString("volume_id", volume.Id);
            w.WriteNull("qos_specs");
            w.WriteString("access_mode", mode);
            w.WriteBoolean("encrypted", false);
            w.WriteBoolean("cacheable", false);
            w.WriteString("driver_volume_type", monitors is not null ? "rbd" : "local");
            w.WriteString("attachment_id", attachmentId);
            w.WriteBoolean("enforce_multipath", false);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenMemory.Span);
    }

    /// <summary>The monitors the backend's volume service last reported; refused clearly when none has run yet.</summary>
    private static async Task<string[]> MonitorsAsync(BlockStoreDbContext db, BackendCatalog catalog, string backend, CancellationToken ct)
    {
        var host = $"{catalog.Host}@{backend}";
        var monitors = await db.Services.AsNoTracking()
            .Where(s => s.Host == host && s.Binary == ServiceRecord.VolumeBinary).Select(s => s.Monitors).FirstOrDefaultAsync(ct);
        return monitors is { Length: > 0 }
            ? monitors
            : throw new ServiceUnavailableException(
                $"The volume service {host} has not reported its Ceph monitors yet, so there is no connection info to give. Retry once a worker serves backend '{backend}'.");
    }

    /// <summary><c>ip:port</c>, <c>[v6]:port</c> or <c>name:port</c> → the host, without brackets, as Cinder's RBD driver gives it.</summary>
    private static string HostOf(string monitor) => monitor[..monitor.LastIndexOf(':')].Trim('[', ']');
}
