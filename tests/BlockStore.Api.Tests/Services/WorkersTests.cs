using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Services;

/// <summary>
/// <c>workers/cleanup</c> (3.24): the services selected (down ones by default), which another service of their backend
/// will clean and which none can, and the quiet work of the cleaned backends made overdue for the reconciler.
/// </summary>
public sealed class WorkersTests : ApiTest
{
    private const string V = "3.24";

    [Fact]
    public async Task A_dead_service_s_quiet_work_is_made_overdue_when_another_service_of_its_backend_is_up()
    {
        var t = NewTenant();
        var (served, orphaned) = (Unique("served"), Unique("orphaned"));
        var now = DateTime.UtcNow;
        await Host.ServicesAsync(
            Seed.Service($"dead@{served}", backendUp: true, now.AddMinutes(-10)),
            Seed.Service($"alive@{served}", backendUp: true, now),
            Seed.Service($"dead@{orphaned}", backendUp: true, now.AddMinutes(-10)));
        var quiet = await Host.VolumeAsync(t.ProjectId, VolumeStatus.Creating, backend: served);
        var busy = await Host.VolumeAsync(t.ProjectId, VolumeStatus.Deleting, backend: served);
        var alone = await Host.VolumeAsync(t.ProjectId, VolumeStatus.Creating, backend: orphaned);
        await using (var db = Host.NewDb())
            await db.Volumes.Where(v => v.Id == quiet.Id || v.Id == alone.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(v => v.StatusChangedAt, now.AddMinutes(-5)));
        try
        {
            var reply = (await t.Admin.Post("workers/cleanup", new { host = "dead" }, V)).ShouldHave(202).Json;
            var cleaning = reply.GetProperty("cleaning").EnumerateArray().Select(s => s.GetProperty("host").GetString()).ToList();
            var unavailable = reply.GetProperty("unavailable").EnumerateArray().Select(s => s.GetProperty("host").GetString()).ToList();
            cleaning.ShouldContain($"dead@{served}");
            cleaning.ShouldNotContain($"alive@{served}", "only services that are down are cleaned by default");
            unavailable.ShouldContain($"dead@{orphaned}");
            reply.GetProperty("cleaning").EnumerateArray().First().Keys().ShouldBe(["id", "host", "binary", "cluster_name"]);

            await using var db = Host.NewDb();
            var changed = await db.Volumes.Where(v => v.ProjectId == t.ProjectId).ToDictionaryAsync(v => v.Id, v => v.StatusChangedAt);
            changed[quiet.Id].ShouldBeLessThan(now.AddHours(-1), "quiet work of a cleaned backend is due for the reconciler");
            changed[busy.Id].ShouldBeGreaterThan(now.AddMinutes(-1), "work with recent news may be alive and is left alone");
            changed[alone.Id].ShouldBeGreaterThan(now.AddMinutes(-6), "no service of that backend is up to take it");

            var up = (await t.Admin.Post("workers/cleanup", new { host = $"alive@{served}", is_up = "true" }, V)).ShouldHave(202).Json;
            up.GetProperty("cleaning").EnumerateArray().Select(s => s.GetProperty("host").GetString()).ShouldBe([$"alive@{served}"]);
        }
        finally
        {
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host.EndsWith(served) || s.Host.EndsWith(orphaned)).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task A_cleanup_is_refused_as_Cinder_refuses_it()
    {
        var t = NewTenant();
        var settled = await Host.VolumeAsync(t.ProjectId);
        (await t.Admin.Post("workers/cleanup", new { }, "3.23")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post("workers/cleanup", new { }, V)).ShouldBeFault(403, "forbidden");
        (await t.Admin.Post("workers/cleanup", new { binary = "cinder-backup" }, V)).ShouldBeFault(400, "badRequest");
        (await t.Admin.Post("workers/cleanup", new { resource_type = "image" }, V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: Resource type Image not valid, must be Volume or Snapshot");
        (await t.Admin.Post("workers/cleanup", new { resource_id = "nope" }, V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute resource_id. Value: nope. 'nope' is not a 'uuid'");
        (await t.Admin.Post("workers/cleanup", new { resource_id = settled.Id }, V)).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid input received: There is no resource with UUID {settled.Id} pending cleanup.");
        (await t.Admin.Post("workers/cleanup", new { until = "now" }, V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Additional properties are not allowed ('until' was unexpected)");
        // No clusters and no numeric service ids here: naming one selects nothing.
        var none = (await t.Admin.Post("workers/cleanup", new { cluster_name = "c" }, V)).ShouldHave(202).Json;
        none.GetProperty("cleaning").GetArrayLength().ShouldBe(0);
        none.GetProperty("unavailable").GetArrayLength().ShouldBe(0);
    }
}
