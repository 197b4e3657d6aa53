using BlockStore.Api.Infrastructure;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Groups;

/// <summary>
/// Generic volume groups (<c>…/groups</c> from 3.13, <c>…/group_snapshots</c> from 3.14, <c>…/group_types</c> from 3.11), and
/// the consistency groups before them (<c>…/consistencygroups</c>, <c>…/cgsnapshots</c>).
/// BlockStore keeps none and offers no group type, so the lists are empty and a group named is not found. Clients still list
/// them: Horizon's volumes page lists groups whenever volumes carry <c>group_id</c> (3.13), and shows an error if that fails.
/// A group create is answered as Cinder answers one whose group type does not exist; making group types or consistency
/// groups is refused.
/// </summary>
public static class GroupsApi
{
    public static void MapGroupsApi(this RouteGroupBuilder v3)
    {
        var groups = v3.MapGroup("/groups").WithTags("Groups").RequireVersion(13);
        groups.MapGet("", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "groups"));
        groups.MapGet("/detail", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "groups"));
        groups.MapGet("/{id}", (string id) => Missing(ResourceNotFoundException.Group(id)));
        groups.MapPost("/{id}/action", (string id, ApiRequest req) =>
        {
            req.Caller.RequireWrite("group:update");
            return Missing(ResourceNotFoundException.Group(id));
        });
        groups.MapPost("", (CreateGroupBody body, ApiRequest req) =>
        {
            req.Caller.RequireWrite("group:create");
            var type = body.Group!.GroupType!;
            return Missing(Guid.TryParse(type, out _) ? ResourceNotFoundException.GroupType(type) : ResourceNotFoundException.GroupTypeByName(type));
        });

        var snapshots = v3.MapGroup("/group_snapshots").WithTags("Groups").RequireVersion(14);
        snapshots.MapGet("", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "group_snapshots"));
        snapshots.MapGet("/detail", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "group_snapshots"));
        snapshots.MapGet("/{id}", (string id) => Missing(ResourceNotFoundException.GroupSnapshot(id)));

        // The consistency groups of before generic groups, which Cinder still serves as groups of its cgsnapshot type.
        var consistencyGroups = v3.MapGroup("/consistencygroups").WithTags("Groups");
        consistencyGroups.MapGet("", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "consistencygroups"));
        consistencyGroups.MapGet("/detail", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "consistencygroups"));
        consistencyGroups.MapGet("/{id}", (string id) => Missing(ResourceNotFoundException.Group(id)));
        consistencyGroups.MapPost("", (ApiRequest req) =>
        {
            req.Caller.RequireWrite("group:create");
            throw new InvalidRequestException("Invalid input received: consistency groups cannot be created here: BlockStore keeps no volume groups.");
        });
        var cgSnapshots = v3.MapGroup("/cgsnapshots").WithTags("Groups");
        cgSnapshots.MapGet("", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "cgsnapshots"));
        cgSnapshots.MapGet("/detail", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "cgsnapshots"));
        cgSnapshots.MapGet("/{id}", (string id) => Missing(ResourceNotFoundException.GroupSnapshot(id)));

        var types = v3.MapGroup("/group_types").WithTags("Groups").RequireVersion(11);
        types.MapGet("", (HttpRequest http, ApiRequest req) => ListBody.Empty(http, req, "group_types"));
        types.MapGet("/{id}", (string id) => Missing(ResourceNotFoundException.GroupType(id)));
        types.MapPost("", (ApiRequest req) =>
        {
            req.Caller.RequireAdmin("group:group_types:create");
            throw new InvalidRequestException("Invalid input received: group types cannot be created here: BlockStore keeps no volume groups.");
        });
    }

    private static IResult Missing(ResourceNotFoundException e) => throw e;
}
