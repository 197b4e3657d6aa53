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
/// What a consumer's host connects to. RBD names the pool's image, the cluster's monitors (as the volume service last
/// read them from the monitor map: the API holds no connection to Ceph), the Ceph user and the libvirt secret; the
/// file backend names the file, for os-brick's <c>local</c> connector on the host that holds it. Two shapes, as in
/// Cinder: <c>os-initialize_connection</c> answers <c>{driver_volume_type, data}</c>; the attachments API gives the
/// driver's data flat with <c>driver_volume_type</c> beside it (what Nova reads), and BlockStore adds the same
/// <c>data</c> object to it, so that a consumer written for the first shape reads the second too.
/// </summary>
public sealed class ConnectionInfo
{
    private readonly Volume _volume;
    private readonly BackendConfig _backend;
    private readonly string[]? _monitors;
    private readonly string _user;
    private readonly Dictionary<string, string>? _qos;

    private ConnectionInfo(Volume volume, BackendConfig backend, string[]? monitors, string user, Dictionary<string, string>? qos)
    {
        _volume = volume;
        _backend = backend;
        _monitors = monitors;
        _user = user;
        _qos = qos;
    }

    /// <summary>The volume's backend and, for RBD, its monitors; 503 when this API is not configured for the backend or
    /// no volume service has reported the monitors yet.</summary>
    public static async Task<ConnectionInfo> ResolveAsync(Volume volume, BackendCatalog catalog, CephOptions ceph, BlockStoreDbContext db,
        CancellationToken ct)
    {
        var backend = catalog.Backends.GetValueOrDefault(volume.Backend)
            ?? throw new ServiceUnavailableException($"Volume {volume.Id} is on backend '{volume.Backend}', which this service is not configured for.");
        var monitors = backend.Driver == "rbd" ? await MonitorsAsync(db, catalog, volume.Backend, ct) : null;
        var qos = await db.VolumeTypes.AsNoTracking().Where(t => t.Id == volume.VolumeTypeId)
            .Join(db.QosSpecs.AsNoTracking(), t => t.QosSpecsId, q => q.Id, (_, q) => q).FirstOrDefaultAsync(ct);
        return new ConnectionInfo(volume, backend, monitors, ceph.User, qos?.ForConsumer(volume.Size));
    }

    private string DriverVolumeType => _monitors is not null ? "rbd" : "local";

    /// <summary>The attachments API's connection info, as JSON (the attachment keeps it, so that a show answers the same).</summary>
    public string ForAttachment(Guid attachmentId, string mode, JsonElement connector)
    {
        var multipath = EnforceMultipath(connector);
        using var buffer = new PooledBufferWriter(2048);
        using (var w = new Utf8JsonWriter(buffer, JsonBody.WriterOptions))
        {
            w.WriteStartObject();
            WriteDataMembers(w, mode);
            w.WriteString("driver_volume_type", DriverVolumeType);
            w.WriteString("attachment_id", attachmentId);
            w.WriteBoolean("enforce_multipath", multipath);
            w.WritePropertyName("data");
            WriteData(w, mode, multipath);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenMemory.Span);
    }

    /// <summary><c>os-initialize_connection</c>'s <c>connection_info</c>: <c>{driver_volume_type, data, enforce_multipath}</c>.</summary>
    public void WriteLegacy(Utf8JsonWriter w, string mode, JsonElement connector)
    {
        var multipath = EnforceMultipath(connector);
        w.WriteStartObject();
        w.WriteString("driver_volume_type", DriverVolumeType);
        w.WritePropertyName("data");
        WriteData(w, mode, multipath);
        w.WriteBoolean("enforce_multipath", multipath);
        w.WriteEndObject();
    }

    private void WriteData(Utf8JsonWriter w, string mode, bool multipath)
    {
        w.WriteStartObject();
        WriteDataMembers(w, mode);
        w.WriteBoolean("enforce_multipath", multipath);
        w.WriteEndObject();
    }

    /// <summary>
    /// The driver's data and what Cinder adds to it: the volume id, the front-end QoS specs of the volume's type (null when
    /// it has none), the access mode, encryption and caching.
    /// </summary>
    private void WriteDataMembers(Utf8JsonWriter w, string mode)
    {
        if (_monitors is not null)
        {
            w.WriteString("name", $"{_backend.Pool}/{_volume.ImageName}");
            w.WriteStartArray("hosts");
            foreach (var m in _monitors) w.WriteStringValue(HostOf(m));
            w.WriteEndArray();
            w.WriteStartArray("ports");
            foreach (var m in _monitors) w.WriteStringValue(m[(m.LastIndexOf(':') + 1)..]);
            w.WriteEndArray();
            w.WriteString("cluster_name", "ceph");
            w.WriteBoolean("auth_enabled", true);
            w.WriteString("auth_username", _user);
            w.WriteString("secret_type", "ceph");
            w.WriteStringOrNull("secret_uuid", _backend.SecretUuid);
            w.WriteBoolean("discard", true);
        }
        else
        {
            w.WriteString("device_path", Path.Combine(_backend.Path ?? "", FileVolumeStore.FileNameOf(_volume.Id)));
        }
        w.WriteString("volume_id", _volume.Id);
        if (_qos is null) w.WriteNull("qos_specs");
        else w.WriteDictionary("qos_specs", _qos);
        w.WriteString("access_mode", mode);
        w.WriteBoolean("encrypted", false);
        w.WriteBoolean("cacheable", false);
    }

    /// <summary>The connector's <c>enforce_multipath</c>, passed back as Cinder does (false when absent or not a boolean).</summary>
    private static bool EnforceMultipath(JsonElement connector) =>
        connector.ValueKind == JsonValueKind.Object && connector.TryGetProperty("enforce_multipath", out var value) && value.ValueKind == JsonValueKind.True;

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
