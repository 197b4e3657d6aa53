using BlockStore.Api.Tests.Infrastructure;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Tenancy;

/// <summary>
/// Every route, the image registry's included, asked by the owner (a member), a member of another project, a reader of
/// the owner's project and an admin of a third project. Cinder's policy: what another project owns does not exist
/// (404); a reader reads but may not write (403); admin-only actions are 403 to everyone else.
/// </summary>
public sealed class IsolationMatrixTests : ApiTest
{
    private enum Who { Owner, Stranger, Reader, Admin }

    /// <summary>
    /// One route and what each caller gets, in the order owner, stranger, reader, admin. "200+" means 200
    /// with the resource in the body, "200-" 200 without it. A path holding "{own}" is given a resource
    /// of its own per caller, for calls that change state only once (delete, extend).
    /// </summary>
    private sealed record Check(string Method, string Path, object? Body, string? Version, string Mark, params string[] Expected);

    [Fact]
    public async Task Every_route_answers_owner_stranger_reader_and_admin_as_Cinder_s_policy_says()
    {
        var owner = NewTenant();
        var callers = new Dictionary<Who, ApiClient>
        {
            [Who.Owner] = owner.Member,
            [Who.Stranger] = NewTenant().Member,
            [Who.Reader] = owner.Reader,
            [Who.Admin] = NewTenant().Admin,
        };
        var v = (await Host.VolumeAsync(owner.ProjectId)).Id.ToString();
        var s = (await Host.SnapshotAsync(await Host.VolumeAsync(owner.ProjectId))).Id.ToString();
        var m = (await Host.MessageAsync(owner.ProjectId, Guid.Parse(v))).Id.ToString();
        var b = (await Host.BackupAsync(await Host.VolumeAsync(owner.ProjectId))).Id.ToString();
        var defaultType = Host.DefaultTypeId;
        var img = (await Host.ActiveImageAsync(owner.ProjectId, 1L << 30)).Id.ToString();
        var shr = (await Host.ActiveImageAsync(owner.ProjectId, 1L << 30, visibility: Core.Images.ImageVisibility.Shared)).Id.ToString();
        (await owner.Member.Post($"/v2/images/{shr}/members", new { member = "matrix-member" })).ShouldHave(200);
        var offered = (await Host.VolumeAsync(owner.ProjectId)).Id;
        var tr = (await owner.Member.Post("os-volume-transfer", new { transfer = new { volume_id = offered } })).ShouldHave(202)
            .Json.GetProperty("transfer").GetProperty("id").GetString()!;

        Check[] checks =
        [
            new("GET", "volumes", null, null, v, "200+", "200-", "200+", "200-"),
            new("GET", "volumes?all_tenants=1", null, null, v, "200+", "200-", "200+", "200+"),
            new("GET", "volumes/detail", null, null, v, "200+", "200-", "200+", "200-"),
            new("GET", $"volumes/{v}", null, null, v, "200", "404", "200", "200"),
            new("PUT", $"volumes/{v}", new { volume = new { name = "renamed" } }, null, v, "200", "404", "403", "200"),
            new("GET", $"volumes/{v}/metadata", null, null, v, "200", "404", "200", "200"),
            new("POST", $"volumes/{v}/metadata", new { metadata = new { k = "v" } }, null, v, "200", "404", "403", "200"),
            new("PUT", $"volumes/{v}/metadata/k", new { meta = new { k = "w" } }, null, v, "200", "404", "403", "200"),
            new("POST", $"volumes/{v}/action", Action("os-set_bootable", new { bootable = true }), null, v, "200", "404", "403", "200"),
            new("POST", $"volumes/{v}/action", Action("os-set_image_metadata", new { metadata = new { k = "v" } }), null, v, "200", "404", "403", "200"),
            new("POST", $"volumes/{v}/action", Action("os-show_image_metadata", new { }), null, v, "200", "404", "200", "200"),
            new("POST", $"volumes/{v}/action", Action("os-reset_status", new { status = "available" }), null, v, "403", "404", "403", "202"),
            new("POST", "volumes/{own}/action", Action("os-extend", new { new_size = 2 }), null, v, "202", "404", "403", "202"),
            new("DELETE", "volumes/{own}", null, null, v, "202", "404", "403", "202"),
            new("POST", "snapshots", new { snapshot = new { volume_id = v } }, null, v, "202", "404", "403", "202"),
            new("GET", "snapshots", null, null, s, "200+", "200-", "200+", "200-"),
            new("GET", "snapshots/detail", null, null, s, "200+", "200-", "200+", "200-"),
            new("GET", $"snapshots/{s}", null, null, s, "200", "404", "200", "200"),
            new("PUT", $"snapshots/{s}", new { snapshot = new { name = "renamed" } }, null, s, "200", "404", "403", "200"),
            new("GET", $"snapshots/{s}/metadata", null, null, s, "200", "404", "200", "200"),
            new("DELETE", "snapshots/{own}", null, null, s, "202", "404", "403", "202"),
            new("GET", "os-volume-transfer", null, null, tr, "200+", "200-", "200+", "200-"),
            new("GET", $"os-volume-transfer/{tr}", null, null, tr, "200", "404", "200", "200"),
            new("GET", "backups", null, null, b, "200+", "200-", "200+", "200-"),
            new("GET", "backups?all_tenants=1", null, null, b, "200+", "200-", "200+", "200+"),
            new("GET", "backups/detail", null, null, b, "200+", "200-", "200+", "200-"),
            new("GET", $"backups/{b}", null, null, b, "200", "404", "200", "200"),
            new("PUT", $"backups/{b}", new { backup = new { name = "renamed" } }, "3.9", b, "200", "404", "403", "200"),
            new("POST", $"backups/{b}/action", Action("os-reset_status", new { status = "available" }), null, b, "403", "404", "403", "202"),
            new("GET", "types", null, null, "__DEFAULT__", "200", "200", "200", "200"),
            new("GET", $"types/{defaultType}", null, null, "__DEFAULT__", "200", "200", "200", "200"),
            new("GET", $"types/{defaultType}/extra_specs", null, null, "", "200", "200", "200", "200"),
            new("GET", $"types/{defaultType}/os-volume-type-access", null, null, "", "403", "403", "403", "404"),
            new("POST", $"types/{defaultType}/action", Action("addProjectAccess", new { project = "p" }), null, "", "403", "403", "403", "400"),
            new("POST", "types", new { volume_type = new { name = Unique("matrix") } }, null, "", "403", "403", "403", "200"),
            new("GET", "default-types", null, "3.62", "", "403", "403", "403", "200"),
            new("GET", $"default-types/{owner.ProjectId}", null, "3.62", "", "403", "403", "403", "404"),
            new("PUT", $"default-types/{owner.ProjectId}", new { default_type = new { volume_type = "__DEFAULT__" } }, "3.62", "", "403", "403", "403", "200"),
            new("DELETE", $"default-types/{owner.ProjectId}", null, "3.62", "", "403", "403", "403", "204"),
            new("GET", $"os-quota-sets/{owner.ProjectId}?usage=True", null, null, "", "200", "403", "200", "200"),
            new("GET", $"os-quota-sets/{owner.ProjectId}/defaults", null, null, "", "200", "403", "200", "200"),
            new("PUT", $"os-quota-sets/{owner.ProjectId}", new { quota_set = new { volumes = 20 } }, null, "", "403", "403", "403", "200"),
            new("GET", "limits", null, null, "", "200", "200", "200", "200"),
            new("GET", "os-availability-zone", null, null, "", "200", "200", "200", "200"),
            new("GET", "extensions", null, null, "", "200", "200", "200", "200"),
            new("GET", "os-services", null, null, "", "403", "403", "403", "200"),
            new("PUT", "os-services/disable", new { host = "nowhere@ceph", binary = "cinder-volume" }, null, "", "403", "403", "403", "404"),
            new("PUT", "os-services/set-log", new { binary = "cinder-scheduler", level = "INFO" }, "3.32", "", "403", "403", "403", "202"),
            new("PUT", "os-services/get-log", new { binary = "cinder-scheduler" }, "3.32", "", "403", "403", "403", "200"),
            new("GET", "resource_filters", null, "3.33", "", "200", "200", "200", "200"),
            new("GET", "qos-specs", null, null, "", "403", "403", "403", "200"),
            new("POST", "qos-specs", new { qos_specs = new { name = Unique("matrix-qos") } }, null, "", "403", "403", "403", "200"),
            new("GET", "scheduler-stats/get_pools", null, null, "", "403", "403", "403", "200"),
            new("GET", "messages", null, "3.3", m, "200+", "200-", "200+", "200-"),
            new("GET", $"messages/{m}", null, "3.3", m, "200", "404", "200", "200"),
            new("DELETE", "messages/{own}", null, "3.3", m, "204", "404", "403", "204"),
            // The image registry (/v2, Glance's shape): another project's private or shared image does not exist for it.
            new("GET", "/v2/images", null, null, img, "200+", "200-", "200+", "200+"),
            new("GET", $"/v2/images/{img}", null, null, img, "200", "404", "200", "200"),
            new("PUT", $"/v2/images/{img}/tags/matrix", new { }, null, img, "204", "404", "403", "204"),
            new("GET", $"/v2/images/{shr}/members", null, null, "matrix-member", "200+", "404", "200+", "200+"),
            new("GET", $"/v2/images/{shr}/members/matrix-member", null, null, "", "200", "404", "200", "200"),
            new("POST", "/v2/images/{own}/members", new { member = "matrix-other" }, null, "", "200", "404", "403", "200"),
            new("DELETE", "/v2/images/{own}", null, null, "", "204", "404", "403", "204"),
        ];

        var failures = new List<string>();
        foreach (var check in checks)
        {
            foreach (var (who, client) in callers)
            {
                var path = check.Path.Contains("{own}", StringComparison.Ordinal)
                    ? check.Path.Replace("{own}", await OwnResourceAsync(check.Path, owner.ProjectId), StringComparison.Ordinal)
                    : check.Path;
                var reply = await client.Send(new HttpMethod(check.Method), path, check.Body, check.Version);
                var expected = check.Expected[(int)who];
                var got = reply.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (expected.EndsWith('+') || expected.EndsWith('-'))
                    got += reply.Body.Contains(check.Mark, StringComparison.Ordinal) ? "+" : "-";
                if (got != expected) failures.Add($"{check.Method} {check.Path} as {who}: expected {expected}, got {got}: {reply.Body}");
            }
        }
        failures.ShouldBeEmpty(string.Join(Environment.NewLine, failures));
    }

    /// <summary>A fresh resource of the owner's, for a call that can only succeed once.</summary>
    private async Task<string> OwnResourceAsync(string path, string project)
    {
        var volume = await Host.VolumeAsync(project);
        if (path.StartsWith("snapshots", StringComparison.Ordinal)) return (await Host.SnapshotAsync(volume)).Id.ToString();
        if (path.StartsWith("messages", StringComparison.Ordinal)) return (await Host.MessageAsync(project, volume.Id)).Id.ToString();
        if (path.StartsWith("/v2/images", StringComparison.Ordinal))
            return (await Host.ActiveImageAsync(project, 1L << 30, visibility: Core.Images.ImageVisibility.Shared)).Id.ToString();
        return volume.Id.ToString();
    }
}
