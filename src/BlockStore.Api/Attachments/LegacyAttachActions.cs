using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Volumes;
using BlockStore.Core.Attachments;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Attachments;

/// <summary>
/// The attach flow that came before the attachments API, still served by Cinder at every microversion and still sent by
/// older consumers and by cinderclient's <c>reserve</c>, <c>unreserve</c>, <c>begin-detaching</c> and
/// <c>roll-detaching</c>: <c>os-reserve</c> → <c>os-initialize_connection</c> → <c>os-attach</c>, and
/// <c>os-begin_detaching</c> → <c>os-terminate_connection</c> → <c>os-detach</c>. They work on the same attachment rows
/// as the attachments API, so a volume attached one way shows, and detaches, the other way too. Each commits the
/// volume against its row version, as the attachments API does.
/// </summary>
public static class LegacyAttachActions
{
    /// <summary>The legacy action in <paramref name="body"/>, or null when it holds another.</summary>
    public static Task<IResult>? TryRun(VolumeActionBody body, Volume volume, ApiRequest req, BlockStoreDbContext db, BackendCatalog catalog,
        CephOptions ceph, DateTime now, CancellationToken ct) => body switch
    {
        { Reserve.ValueKind: not JsonValueKind.Undefined } => ReserveAsync(volume, req, db, now, ct),
        { Unreserve.ValueKind: not JsonValueKind.Undefined } => UnreserveAsync(volume, req, db, now, ct),
        { BeginDetaching.ValueKind: not JsonValueKind.Undefined } => BeginDetachingAsync(volume, req, db, now, ct),
        { RollDetaching.ValueKind: not JsonValueKind.Undefined } => RollDetachingAsync(volume, req, db, now, ct),
        { Attach: { } a } => AttachAsync(volume, a, req, db, now, ct),
        { Detach.ValueKind: not JsonValueKind.Undefined } => DetachAsync(volume, body.Detach, req, db, now, ct),
        { InitializeConnection: { } c } => InitializeConnectionAsync(volume, c, req, db, catalog, ceph, ct),
        { TerminateConnection: { } c } => TerminateConnectionAsync(volume, c, req, db, now, ct),
        { ForceDetach: { } f } => ForceDetachAsync(volume, f, req, db, now, ct),
        _ => null,
    };

    private static readonly IResult Accepted = Results.StatusCode(202);

    /// <summary><c>os-reserve</c>: <c>available</c> → <c>attaching</c>.</summary>
    private static async Task<IResult> ReserveAsync(Volume volume, ApiRequest req, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:reserve");
        volume.ReserveLegacy(now);
        await db.SaveChangesAsync(ct);
        return Accepted;
    }

    /// <summary><c>os-unreserve</c>: <c>attaching</c> → <c>in-use</c> or <c>available</c>; any other status is left alone.</summary>
    private static async Task<IResult> UnreserveAsync(Volume volume, ApiRequest req, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:unreserve");
        await UnreserveAsync(volume, db, now, ct);
        await db.SaveChangesAsync(ct);
        return Accepted;
    }

    private static async Task UnreserveAsync(Volume volume, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        if (volume.Status != VolumeStatus.Attaching) return;
        volume.Unreserve(await db.Attachments.AnyAsync(a => a.VolumeId == volume.Id, ct), now);
    }

    /// <summary><c>os-begin_detaching</c>: an attached <c>in-use</c> volume → <c>detaching</c>.</summary>
    private static async Task<IResult> BeginDetachingAsync(Volume volume, ApiRequest req, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:begin_detaching");
        var attached = await db.Attachments.AnyAsync(a => a.VolumeId == volume.Id && a.Status == AttachStatus.Attached, ct);
        volume.BeginDetaching(attached, now);
        await db.SaveChangesAsync(ct);
        return Accepted;
    }

    /// <summary><c>os-roll_detaching</c>: <c>detaching</c> → <c>in-use</c>; any other status is left alone.</summary>
    private static async Task<IResult> RollDetachingAsync(Volume volume, ApiRequest req, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:roll_detaching");
        if (volume.RollDetaching(now)) await db.SaveChangesAsync(ct);
        return Accepted;
    }

    /// <summary>
    /// <c>os-attach</c>: records that a server (or a host) has attached the volume, which is <c>in-use</c> from then. A
    /// second attach by the same consumer finds its attachment and changes nothing else, as in Cinder; another consumer
    /// is refused unless the volume is multiattach. A read-only volume takes only <c>ro</c>.
    /// </summary>
    private static async Task<IResult> AttachAsync(Volume volume, AttachAction action, ApiRequest req, BlockStoreDbContext db, DateTime now,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:attach");
        NoUnknownMembers(action, "os-attach");
        if (action.Mountpoint is not { Length: > 0 and <= 255 } mountpoint)
            throw new InvalidRequestException("Invalid input for field/attribute os-attach. 'mountpoint' is a required property of 1 to 255 characters.");
        if (action.InstanceUuid is null && action.HostName is null)
            throw new InvalidRequestException("Invalid input for field/attribute os-attach. One of 'instance_uuid' or 'host_name' is required.");
        Guid? server = null;
        if (action.InstanceUuid is not null)
            server = Guid.TryParse(action.InstanceUuid, out var s) ? s
                : throw new InvalidRequestException(Rules.NotUuid("instance_uuid", action.InstanceUuid));
        if (action.HostName is { Length: > 255 })
            throw new InvalidRequestException("Invalid input for field/attribute host_name. It is longer than 255 characters.");
        var mode = action.Mode ?? "rw";
        if (mode is not ("rw" or "ro"))
            throw new InvalidRequestException(Rules.NotOneOf("mode", mode, Rules.Modes));
        if (volume.ReadOnly == true && mode != "ro")
            throw new InvalidRequestException($"Invalid attaching mode '{mode}' for volume {volume.Id}.");

        var existing = await db.Attachments.Where(a => a.VolumeId == volume.Id).ToListAsync(ct);
        var mine = existing.FirstOrDefault(a => server is not null ? a.InstanceId == server : a.InstanceId is null && a.AttachedHost == action.HostName);
        if (mine is null && !volume.Multiattach && (existing.Count > 0 || volume.Status == VolumeStatus.InUse))
            throw new InvalidRequestException(
                "Error attaching volume - InvalidVolume: Invalid volume: volume is already attached and multiple attachments are not enabled");
        volume.MarkAttachedLegacy(now);
        if (mine is null)
            db.Attachments.Add(Attachment.AttachedLegacy(volume.Id, volume.ProjectId, server, action.HostName, mountpoint, mode, now));
        else if (mine.Status != AttachStatus.Attached)
            mine.Complete(now);
        await db.SaveChangesAsync(ct);
        return Accepted;
    }

    /// <summary>
    /// <c>os-detach</c>: removes the attachment named, or the volume's only one. The volume takes the status of what is
    /// left, as a delete through the attachments API does.
    /// </summary>
    private static async Task<IResult> DetachAsync(Volume volume, JsonElement action, ApiRequest req, BlockStoreDbContext db, DateTime now,
        CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:detach");
        if (action.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            throw new InvalidRequestException($"Invalid input for field/attribute os-detach. Value: {action}. It is not of type 'object', 'null'");
        await DetachAsync(volume, AttachmentIdOf(action, "os-detach"), "Error detaching volume", db, now, ct);
        await db.SaveChangesAsync(ct);
        return Accepted;
    }

    /// <summary>
    /// <c>os-initialize_connection</c>: the connection info for the host's connector, in the shape
    /// <c>{driver_volume_type, data}</c>. Nothing changes: the legacy flow records the attachment with <c>os-attach</c>.
    /// The access mode is the attachment's when the volume has one, else <c>ro</c> for a read-only volume, else <c>rw</c>.
    /// </summary>
    private static async Task<IResult> InitializeConnectionAsync(Volume volume, ConnectorAction action, ApiRequest req, BlockStoreDbContext db,
        BackendCatalog catalog, CephOptions ceph, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:initialize_connection");
        var connector = Connector(action, "os-initialize_connection", allowNull: false);
        if (volume.Status == VolumeStatus.Maintenance)
            throw new InvalidVolumeStateException("The volume connection cannot be initialized in maintenance mode.");
        var mode = await db.Attachments.Where(a => a.VolumeId == volume.Id && a.AttachMode != "null")
            .OrderBy(a => a.CreatedAt).Select(a => a.AttachMode).FirstOrDefaultAsync(ct) ?? (volume.ReadOnly == true ? "ro" : "rw");
        var info = await ConnectionInfo.ResolveAsync(volume, catalog, ceph, db, ct);
        return JsonBody.Single("connection_info", w => info.WriteLegacy(w, mode, connector));
    }

    /// <summary><c>os-terminate_connection</c>: nothing to undo on the backend (RBD and file volumes need no export);
    /// then, as in Cinder, an <c>attaching</c> volume is unreserved.</summary>
    private static async Task<IResult> TerminateConnectionAsync(Volume volume, ConnectorAction action, ApiRequest req, BlockStoreDbContext db,
        DateTime now, CancellationToken ct)
    {
        req.Caller.RequireWrite("volume_extension:volume_actions:terminate_connection");
        Connector(action, "os-terminate_connection", allowNull: true);
        await UnreserveAsync(volume, db, now, ct);
        await db.SaveChangesAsync(ct);
        return Accepted;
    }

    /// <summary><c>os-force_detach</c> (admin): ends the connection and removes the attachment named (or the only one),
    /// whatever the volume's status, to roll back a detach that went wrong on the consumer's side.</summary>
    private static async Task<IResult> ForceDetachAsync(Volume volume, ForceDetachAction action, ApiRequest req, BlockStoreDbContext db, DateTime now,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:volume_admin_actions:force_detach");
        NoUnknownMembers(action, "os-force_detach");
        if (action.Connector.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.String))
            throw new InvalidRequestException($"Invalid input for field/attribute connector. Value: {action.Connector}. It is not of type 'string', 'object', 'null'");
        var attachmentId = action.AttachmentId.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.String => action.AttachmentId.GetString(),
            _ => throw new InvalidRequestException($"Invalid input for field/attribute attachment_id. Value: {action.AttachmentId}. It is not of type 'string', 'null'"),
        };
        await UnreserveAsync(volume, db, now, ct);
        await DetachAsync(volume, attachmentId, "Error force detaching volume", db, now, ct);
        await db.SaveChangesAsync(ct);
        return Accepted;
    }

    /// <summary>
    /// Removes <paramref name="attachmentId"/> (which must be this volume's), or the volume's only attachment when none is
    /// named; with no attachment at all the volume just takes the status of having none.
    /// </summary>
    private static async Task DetachAsync(Volume volume, string? attachmentId, string failure, BlockStoreDbContext db, DateTime now, CancellationToken ct)
    {
        if (volume.Status == VolumeStatus.Maintenance)
            throw new InvalidVolumeStateException("The volume cannot be detached in maintenance mode.");
        var attachments = await db.Attachments.Where(a => a.VolumeId == volume.Id).OrderBy(a => a.CreatedAt).ToListAsync(ct);
        Attachment? target;
        if (attachmentId is not null)
        {
            target = Guid.TryParse(attachmentId, out var id) ? attachments.FirstOrDefault(a => a.Id == id) : null;
            if (target is null)
                throw new InvalidRequestException($"{failure} - VolumeAttachmentNotFound: Volume attachment could not be found with filter: attachment_id = {attachmentId}.");
        }
        else if (attachments.Count > 1)
            throw new InvalidRequestException(
                $"{failure} - InvalidVolume: Invalid volume: Detach volume failed: More than one attachment, but no attachment_id provided.");
        else target = attachments.FirstOrDefault();
        if (target is not null) db.Attachments.Remove(target);
        volume.Detached(attachments.Where(a => a != target).Select(a => a.Status), now);
    }

    private static string? AttachmentIdOf(JsonElement action, string name)
    {
        if (action.ValueKind != JsonValueKind.Object) return null;
        string? id = null;
        foreach (var member in action.EnumerateObject())
        {
            if (member.Name != "attachment_id")
                throw new InvalidRequestException($"Invalid input for field/attribute {name}. {Rules.Unexpected(member.Name)}");
            id = member.Value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String when Guid.TryParse(member.Value.GetString(), out _) => member.Value.GetString(),
                _ => throw new InvalidRequestException(Rules.NotUuid("attachment_id", member.Value)),
            };
        }
        return id;
    }

    private static JsonElement Connector(ConnectorAction action, string name, bool allowNull)
    {
        NoUnknownMembers(action, name);
        return action.Connector.ValueKind switch
        {
            JsonValueKind.Object or JsonValueKind.String => action.Connector,
            JsonValueKind.Null when allowNull => action.Connector,
            JsonValueKind.Undefined => throw new InvalidRequestException($"Invalid input for field/attribute {name}. 'connector' is a required property"),
            _ => throw new InvalidRequestException(
                $"Invalid input for field/attribute connector. Value: {action.Connector}. It is not of type {(allowNull ? "'string', 'object', 'null'" : "'object', 'string'")}"),
        };
    }

    private static void NoUnknownMembers(OpenBody body, string name)
    {
        if (body.Unknown is { Count: > 0 } unknown)
            throw new InvalidRequestException($"Invalid input for field/attribute {name}. {Rules.Unexpected(unknown.Keys.First())}");
    }
}
