using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Volumes;
using BlockStore.Core.Attachments;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Attachments;

/// <summary>
/// Cinder's attachments API (3.27, <c>os-complete</c> from 3.44), as Nova drives it: create (reserve, or reserve and
/// connect when a connector comes with it), update with the host's connector to get the connection info, complete
/// once connected, delete to detach. Every step changes the attachment and the volume's status in one commit, the
/// volume against its xmin, so racing requests on one volume cannot both win. Nothing here reaches the backend: an
/// RBD or file volume needs no export, so the connection info is all there is to make.
/// </summary>
public static class AttachmentsApi
{
    public static void MapAttachmentsApi(this RouteGroupBuilder v3)
    {
        var attachments = v3.MapGroup("/attachments").WithTags("Attachments").RequireVersion(27);
        attachments.MapPost("", CreateAsync);
        attachments.MapGet("", (HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) => ListAsync(http, req, db, detail: false, ct));
        attachments.MapGet("/detail", (HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct) => ListAsync(http, req, db, detail: true, ct));
        attachments.MapGet("/{id}", ShowAsync);
        attachments.MapPut("/{id}", UpdateAsync);
        attachments.MapDelete("/{id}", DeleteAsync);
        attachments.MapPost("/{id}/action", CompleteAsync).RequireVersion(44);
    }

    private static async Task<IResult> CreateAsync(CreateAttachmentBody body, ApiRequest req, BlockStoreDbContext db, IOptions<BackendCatalog> catalog,
        IOptions<CephOptions> ceph, TimeProvider clock, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume:attachment_create");
        var r = body.Attachment!;
        var volume = await VolumeLookup.FindAsync(db, req, r.VolumeUuid!, ct);
        Guid? server = r.InstanceUuid is null ? null : Guid.Parse(r.InstanceUuid);
        var now = clock.GetUtcNow().UtcDateTime;
        var serverAttached = server is not null && await db.Attachments.AnyAsync(a => a.VolumeId == volume.Id && a.InstanceId == server, ct);
        volume.ReserveForAttachment(serverAttached, now);
        // The read-only flag (os-update_readonly_flag) makes every attachment read-only, as Cinder's admin metadata does.
        var attachment = Attachment.Reserve(volume.Id, volume.ProjectId, server, volume.ReadOnly == true ? "ro" : r.Mode, now);
        db.Attachments.Add(attachment);
        // An empty connector is none, as in Cinder: cinderclient sends {} for an attachment-create without --connect.
        if (r.Connector is { ValueKind: JsonValueKind.Object } connector && connector.EnumerateObject().Any())
            await ConnectAsync(volume, attachment, connector, catalog.Value, ceph.Value, db, now, ct);
        await db.SaveChangesAsync(ct);
        return JsonBody.Single("attachment", w => WriteDetail(w, attachment));
    }

    private static async Task<IResult> UpdateAsync(string id, UpdateAttachmentBody body, ApiRequest req, BlockStoreDbContext db,
        IOptions<BackendCatalog> catalog, IOptions<CephOptions> ceph, TimeProvider clock, CancellationToken ct)
    {
        var attachment = await FindAsync(db, req, id, ct);
        req.Caller.RequireWrite("volume:attachment_update");
        var volume = await db.Volumes.FirstAsync(v => v.Id == attachment.VolumeId, ct);
        await ConnectAsync(volume, attachment, body.Attachment!.Connector!.Value, catalog.Value, ceph.Value, db, clock.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        return JsonBody.Single("attachment", w => WriteDetail(w, attachment));
    }

    private static async Task ConnectAsync(Volume volume, Attachment attachment, JsonElement connector, BackendCatalog catalog, CephOptions ceph,
        BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        volume.MarkAttaching(now);
        var mode = attachment.ModeFor(StringMember(connector, "mode"));
        var info = await ConnectionInfo.ResolveAsync(volume, catalog, ceph, db, ct);
        attachment.Connect(connector.GetRawText(), StringMember(connector, "host"), StringMember(connector, "mountpoint"), mode,
            info.ForAttachment(attachment.Id, mode, connector), now);
    }

    private static string? StringMember(JsonElement connector, string name) =>
        connector.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary><c>os-complete</c>: the consumer is connected; the attachment is <c>attached</c> and the volume <c>in-use</c>.</summary>
    private static async Task<IResult> CompleteAsync(string id, AttachmentActionBody body, ApiRequest req, BlockStoreDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        var attachment = await FindAsync(db, req, id, ct);
        req.Caller.RequireWrite("volume:attachment_complete");
        var volume = await db.Volumes.FirstAsync(v => v.Id == attachment.VolumeId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        volume.MarkAttached(now);
        attachment.Complete(now);
        await db.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    /// <summary>Detaches: the attachment goes and the volume takes the status its other attachments give it.</summary>
    private static async Task<IResult> DeleteAsync(string id, ApiRequest req, BlockStoreDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var attachment = await FindAsync(db, req, id, ct);
        req.Caller.RequireWrite("volume:attachment_delete");
        var volume = await db.Volumes.FirstAsync(v => v.Id == attachment.VolumeId, ct);
        var others = await db.Attachments.AsNoTracking()
            .Where(a => a.VolumeId == volume.Id && a.Id != attachment.Id).OrderBy(a => a.CreatedAt).ToListAsync(ct);
        volume.Detached(others.Select(a => a.Status), clock.GetUtcNow().UtcDateTime);
        db.Attachments.Remove(attachment);
        await db.SaveChangesAsync(ct);
        return JsonBody.Ok(w => WriteList(w, others, detail: false));
    }

    private static async Task<IResult> ShowAsync(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var attachment = await FindAsync(db, req, id, ct);
        return JsonBody.Single("attachment", w => WriteDetail(w, attachment));
    }

    /// <summary>The caller's project's attachments (every project's for an admin with <c>all_tenants</c>), newest first, filtered as Cinder filters them.</summary>
    private static async Task<IResult> ListAsync(HttpRequest http, ApiRequest req, BlockStoreDbContext db, bool detail, CancellationToken ct)
    {
        var q = http.Query;
        ResourceFiltersApi.RejectUnknown("attachment", q, req);
        var rows = db.Attachments.AsNoTracking();
        if (!QueryFlags.AllTenants(q, req)) rows = rows.Where(a => a.ProjectId == req.ProjectId);
        if (q["volume_id"].ToString() is { Length: > 0 } volumeId)
            rows = Guid.TryParse(volumeId, out var v) ? rows.Where(a => a.VolumeId == v) : rows.Where(_ => false);
        if (q["instance_id"].ToString() is { Length: > 0 } instanceId)
            rows = Guid.TryParse(instanceId, out var i) ? rows.Where(a => a.InstanceId == i) : rows.Where(_ => false);
        var status = q["status"].ToString() is { Length: > 0 } s ? s : q["attach_status"].ToString();
        if (status.Length > 0) rows = rows.Where(a => a.Status == status);
        rows = rows.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id);
        if (q["limit"].ToString() is { Length: > 0 } limit)
        {
            if (!int.TryParse(limit, out var n) || n < 0) throw new InvalidRequestException("Invalid input received: limit must be a non-negative integer.");
            rows = rows.Take(n);
        }
        var list = await rows.ToListAsync(ct);
        return JsonBody.Ok(w => WriteList(w, list, detail));
    }

    /// <summary>An attachment of a volume the caller may see; others do not exist for it.</summary>
    private static async Task<Attachment> FindAsync(BlockStoreDbContext db, ApiRequest req, string id, CancellationToken ct) =>
        Guid.TryParse(id, out var guid) && await db.Attachments.FirstOrDefaultAsync(a => a.Id == guid, ct) is { } attachment
            && req.Caller.CanSee(attachment.ProjectId)
            ? attachment
            : throw new ResourceNotFoundException($"VolumeAttachment {id} could not be found.");

    private static void WriteList(Utf8JsonWriter w, IEnumerable<Attachment> attachments, bool detail)
    {
        w.WriteStartObject();
        w.WriteStartArray("attachments");
        foreach (var a in attachments)
        {
            if (detail) WriteDetail(w, a); else WriteSummary(w, a, close: true);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteSummary(Utf8JsonWriter w, Attachment a, bool close)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("status", a.Status);
        w.WriteStringOrNull("instance", a.InstanceId);
        w.WriteString("volume_id", a.VolumeId);
        if (close) w.WriteEndObject();
    }

    /// <summary>Cinder's detail view: the summary, the times (empty strings when unset, as Cinder's view gives them), the mode and the connection info.</summary>
    private static void WriteDetail(Utf8JsonWriter w, Attachment a)
    {
        WriteSummary(w, a, close: false);
        if (a.AttachedAt is { } at) w.WriteTimestamp("attached_at", at); else w.WriteString("attached_at", "");
        w.WriteString("detached_at", "");
        w.WriteString("attach_mode", a.AttachMode);
        w.WritePropertyName("connection_info");
        if (a.ConnectionInfo is { } info) w.WriteRawValue(info, skipInputValidation: true);
        else { w.WriteStartObject(); w.WriteEndObject(); }
        w.WriteEndObject();
    }
}
