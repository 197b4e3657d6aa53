using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Messages;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Messages;

/// <summary><c>…/messages</c> (3.3): what failed asynchronously, for the tenant to read and dismiss.</summary>
public static class MessagesApi
{
    private const string Table = "blockstore.messages";

    private static readonly Dictionary<string, string> Sortable = new()
    {
        ["created_at"] = "v.created_at",
        ["id"] = "v.id",
        ["event_id"] = "v.event_id",
        ["resource_type"] = "v.resource_type",
        ["message_level"] = "v.level",
        // Nullable columns sort as a value, so that a marker (keyset paging) never skips the rows without one.
        ["resource_uuid"] = "COALESCE(v.resource_uuid, '00000000-0000-0000-0000-000000000000'::uuid)",
        ["guaranteed_until"] = "v.guaranteed_until",
        ["request_id"] = "COALESCE(v.request_id, '')",
    };

    /// <summary>Paging and filters exist from 3.5; before it the list is every message, newest first.</summary>
    private static readonly QueryCollection NoQuery = new();

    public static void MapMessagesApi(this RouteGroupBuilder v3)
    {
        var messages = v3.MapGroup("/messages").WithTags("Messages").RequireVersion(3);
        messages.MapGet("", List).Admitted(Admission.Lists);
        messages.MapGet("/{id}", Show);
        messages.MapDelete("/{id}", Delete);
    }

    public static async Task<IResult> List(HttpRequest http, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        ResourceFiltersApi.RejectUnknown("message", http.Query, req);
        var q = req.Version.AtLeast(5) ? http.Query : NoQuery;
        var list = new ListQuery(q, Table, Sortable);
        ListFilters.Projects(list, http.Query, req);
        ListFilters.Equal(list, q, "event_id", "v.event_id");
        ListFilters.Equal(list, q, "resource_type", "v.resource_type");
        ListFilters.Equal(list, q, "message_level", "v.level");
        ListFilters.Equal(list, q, "request_id", "v.request_id");
        ListFilters.Equal(list, q, "resource_uuid", "v.resource_uuid", v => Guid.TryParse(v, out var g) ? g : Guid.Empty);
        var page = await list.RunAsync<UserMessage>(db, withCount: false, ct);
        return ListBody.Ok(page, http, req, "messages", "messages", m => m.Id, (w, m) => Write(w, m, req));
    }

    public static async Task<IResult> Show(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        var message = await FindAsync(db, req, id, ct);
        return JsonBody.Single("message", w => Write(w, message, req));
    }

    public static async Task<IResult> Delete(string id, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireWrite("message:delete");
        var message = await FindAsync(db, req, id, ct);
        db.UserMessages.Remove(message);
        await db.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    private static async Task<UserMessage> FindAsync(BlockStoreDbContext db, ApiRequest req, string id, CancellationToken ct)
    {
        var message = Guid.TryParse(id, out var guid) ? await db.UserMessages.FirstOrDefaultAsync(m => m.Id == guid, ct) : null;
        return message is not null && req.Caller.CanSee(message.ProjectId) ? message : throw ResourceNotFoundException.UserMessage(id);
    }

    /// <summary>Cinder's message view: resource fields only when the message names a resource.</summary>
    private static void Write(Utf8JsonWriter w, UserMessage m, ApiRequest req)
    {
        w.WriteStartObject();
        w.WriteString("id", m.Id);
        w.WriteString("event_id", m.EventId);
        w.WriteString("user_message", m.Message);
        w.WriteString("message_level", m.Level);
        w.WriteTimestamp("created_at", m.CreatedAt);
        w.WriteTimestamp("guaranteed_until", m.GuaranteedUntil);
        w.WriteStringOrNull("request_id", m.RequestId);
        w.WriteLinks(req, "messages", m.Id);
        if (m.ResourceType.Length > 0) w.WriteString("resource_type", m.ResourceType);
        if (m.ResourceUuid is { } uuid) w.WriteString("resource_uuid", uuid);
        w.WriteEndObject();
    }
}
