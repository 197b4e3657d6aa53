using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>Requests that race on one row or one quota: exactly one wins a transition, and usage never drifts.</summary>
public sealed class ConcurrencyTests : ApiTest
{
    [Fact]
    public async Task A_volume_clones_are_still_being_made_from_cannot_be_deleted_until_they_are_but_an_admin_may_force_it()
    {
        var t = NewTenant();
        var parent = await Host.VolumeAsync(t.ProjectId);
        var clone = (await t.Member.Post("volumes", new { volume = new { source_volid = parent.Id } })).ShouldHave(202)
            .Json.GetProperty("volume").GetProperty("id").GetString()!;
        (await t.Member.Delete($"volumes/{parent.Id}")).ShouldBeFault(400, "badRequest").ShouldBe(
            $"Invalid volume: Volume {parent.Id} has a volume still being created from it or from one of its snapshots; delete it once that volume is available.");

        var withSnapshot = await Host.VolumeAsync(t.ProjectId);
        var snapshot = await Host.SnapshotAsync(withSnapshot);
        (await t.Member.Post("volumes", new { volume = new { snapshot_id = snapshot.Id } })).ShouldHave(202);
        (await t.Member.Delete($"volumes/{withSnapshot.Id}?cascade=true")).ShouldBeFault(400, "badRequest")
            .ShouldContain("has a volume still being created from it or from one of its snapshots");
        (await t.Member.StatusOfAsync("snapshot", snapshot.Id.ToString())).ShouldBe("available", "nothing was written");
        (await t.Admin.Delete($"volumes/{withSnapshot.Id}?force=true", "3.23")).ShouldHave(202);

        (await t.Admin.Post($"volumes/{clone}/action", Action("os-reset_status", new { status = "available" }))).ShouldHave(202);
        (await t.Member.Delete($"volumes/{parent.Id}")).ShouldHave(202);
    }

    [Fact]
    public async Task A_delete_racing_a_clone_of_the_same_volume_never_lets_both_through()
    {
        var t = NewTenant();
        for (var round = 0; round < 15; round++)
        {
            var parent = await Host.VolumeAsync(t.ProjectId);
            var create = t.Member.Post("volumes", new { volume = new { source_volid = parent.Id } });
            var delete = t.Member.Delete($"volumes/{parent.Id}");
            var statuses = new[] { (await create).Status, (await delete).Status };
            statuses.Count(s => s == 202).ShouldBe(1, $"round {round}: create and delete answered {statuses[0]} and {statuses[1]}");
        }
    }

    [Fact]
    public async Task Fifty_simultaneous_extends_of_one_volume_accept_exactly_one()
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync(size: 1);
        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            t.Member.Post($"volumes/{id}/action", Action("os-extend", new { new_size = 2 }))));

        replies.Count(r => r.Status == 202).ShouldBe(1);
        replies.Where(r => r.Status != 202).ShouldAllBe(r => r.Status == 400 && r.Body.Contains("badRequest"));
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("extending");
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Gigabytes)).ShouldBe(2, "only the winner's growth is charged");
    }

    [Fact]
    public async Task Fifty_simultaneous_deletes_of_one_volume_accept_exactly_one()
    {
        var t = NewTenant();
        var id = await t.CreateAvailableVolumeAsync();
        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => t.Member.Delete($"volumes/{id}")));

        replies.Count(r => r.Status == 202).ShouldBe(1);
        replies.Where(r => r.Status != 202).ShouldAllBe(r => r.Status == 400 && r.Body.Contains("badRequest"));
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("deleting");
    }

    [Fact]
    public async Task Parallel_creates_never_exceed_the_volumes_quota_and_usage_equals_the_rows()
    {
        var t = NewTenant();
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", new { quota_set = new { volumes = 10 } })).ShouldHave(200);
        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            t.Member.Post("volumes", new { volume = new { size = 1, name = $"race-{i}" } })));

        replies.Count(r => r.Status == 202).ShouldBe(10);
        replies.Where(r => r.Status != 202).ShouldAllBe(r => r.Status == 413 && r.Header("Retry-After") == "0");
        (await Host.VolumeCountAsync(t.ProjectId)).ShouldBe(10);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Volumes)).ShouldBe(10);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Gigabytes)).ShouldBe(10);
    }

    [Fact]
    public async Task Parallel_snapshots_never_exceed_the_snapshots_quota()
    {
        var t = NewTenant();
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", new { quota_set = new { snapshots = 3 } })).ShouldHave(200);
        var volumes = new List<string>();
        for (var i = 0; i < 5; i++) volumes.Add(await t.CreateAvailableVolumeAsync());
        var replies = await Task.WhenAll(volumes.SelectMany(v => Enumerable.Range(0, 4).Select(_ =>
            t.Member.Post("snapshots", new { snapshot = new { volume_id = v } }))));

        replies.Count(r => r.Status == 202).ShouldBe(3);
        replies.Where(r => r.Status != 202).ShouldAllBe(r => r.Status == 413 || r.Status == 400);
        await using var db = Host.NewDb();
        (await db.Snapshots.CountAsync(s => s.ProjectId == t.ProjectId)).ShouldBe(3);
        (await Host.UsageAsync(t.ProjectId, QuotaResources.Snapshots)).ShouldBe(3);
    }

    [Fact]
    public async Task A_delete_racing_snapshots_of_the_same_volume_never_leaves_a_snapshot_of_a_deleting_volume()
    {
        var t = NewTenant();
        (await t.Admin.Put($"os-quota-sets/{t.ProjectId}", new { quota_set = new { snapshots = -1, volumes = -1 } })).ShouldHave(200);
        for (var round = 0; round < 5; round++)
        {
            var id = await t.CreateAvailableVolumeAsync();
            var snapshots = Enumerable.Range(0, 8).Select(_ => t.Member.Post("snapshots", new { snapshot = new { volume_id = id } }));
            var replies = await Task.WhenAll(snapshots.Append(t.Member.Delete($"volumes/{id}")));

            var deleted = replies[^1].Status == 202;
            var created = replies[..^1].Count(r => r.Status == 202);
            await using var db = Host.NewDb();
            var rows = await db.Snapshots.CountAsync(s => s.VolumeId == Guid.Parse(id) && s.Status == SnapshotStatus.Creating);
            rows.ShouldBe(created);
            if (deleted) created.ShouldBe(0, $"round {round}: the volume was deleted, yet {created} snapshots of it were accepted");
        }
    }
}
