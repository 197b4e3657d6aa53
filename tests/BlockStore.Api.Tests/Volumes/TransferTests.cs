using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Quotas;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>Volume transfers: an offer, its key, the accept that moves the volume, its snapshots and their quota.</summary>
public sealed class TransferTests : ApiTest
{
    [Fact]
    public async Task A_volume_with_its_snapshot_moves_to_the_project_that_accepts_with_the_key_and_the_quota_moves_with_it()
    {
        var giver = NewTenant();
        var taker = NewTenant();
        var volume = await giver.CreateAvailableVolumeAsync(size: 2);
        var snapshot = await giver.CreateSnapshotAsync(volume);
        await Host.SetSnapshotStatusAsync(Guid.Parse(snapshot), SnapshotStatus.Available);
        (await Host.UsageAsync(giver.ProjectId, QuotaResources.Gigabytes)).ShouldBe(4);

        var created = (await giver.Member.Post("os-volume-transfer", new { transfer = new { volume_id = volume, name = "gift" } })).ShouldHave(202)
            .Json.GetProperty("transfer");
        created.Keys().ShouldBe(["id", "created_at", "name", "volume_id", "auth_key", "links"]);
        var id = created.GetProperty("id").GetString()!;
        var key = created.GetProperty("auth_key").GetString()!;
        key.Length.ShouldBe(16);
        (await giver.Member.Get($"volumes/{volume}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("awaiting-transfer");
        (await giver.Member.Delete($"volumes/{volume}")).ShouldHave(400);
        var shown = (await giver.Reader.Get($"os-volume-transfer/{id}")).ShouldHave(200).Json.GetProperty("transfer");
        shown.TryGetProperty("auth_key", out _).ShouldBeFalse("the key is shown once");
        (await giver.Member.Get("os-volume-transfer")).Json.GetProperty("transfers").EnumerateArray()
            .Select(t => t.GetProperty("id").GetString()).ShouldBe([id]);
        (await taker.Member.Get($"os-volume-transfer/{id}")).ShouldBeFault(404, "itemNotFound");

        (await taker.Member.Post($"os-volume-transfer/{id}/accept", new { accept = new { auth_key = "0123456789abcdef" } }))
            .ShouldBeFault(400, "badRequest").ShouldBe($"Invalid auth key: Attempt to transfer {id} with invalid auth key.");
        var accepted = (await taker.Member.Post($"os-volume-transfer/{id}/accept", new { accept = new { auth_key = key } })).ShouldHave(202)
            .Json.GetProperty("transfer");
        accepted.Keys().ShouldBe(["id", "volume_id", "name", "links"]);

        var moved = (await taker.Member.Get($"volumes/{volume}")).ShouldHave(200).Json.GetProperty("volume");
        moved.GetProperty("status").GetString().ShouldBe("available");
        await using (var db = Host.NewDb())
            (await db.Volumes.SingleAsync(v => v.Id == Guid.Parse(volume))).ProjectId.ShouldBe(taker.ProjectId);
        (await taker.Member.Get($"snapshots/{snapshot}")).ShouldHave(200);
        (await giver.Member.Get($"volumes/{volume}")).ShouldBeFault(404, "itemNotFound");
        (await giver.Member.Get($"snapshots/{snapshot}")).ShouldBeFault(404, "itemNotFound");
        (await Host.UsageAsync(giver.ProjectId, QuotaResources.Gigabytes)).ShouldBe(0);
        (await Host.UsageAsync(giver.ProjectId, QuotaResources.Volumes)).ShouldBe(0);
        (await Host.UsageAsync(giver.ProjectId, QuotaResources.Snapshots)).ShouldBe(0);
        (await Host.UsageAsync(taker.ProjectId, QuotaResources.Gigabytes)).ShouldBe(4);
        (await Host.UsageAsync(taker.ProjectId, QuotaResources.Volumes)).ShouldBe(1);
        (await Host.UsageAsync(taker.ProjectId, QuotaResources.Snapshots)).ShouldBe(1);
        (await taker.Member.Post($"os-volume-transfer/{id}/accept", new { accept = new { auth_key = key } })).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task From_3_55_a_transfer_may_leave_the_snapshots_behind_and_3_57_shows_its_history_fields()
    {
        var giver = NewTenant();
        var taker = NewTenant();
        var volume = await giver.CreateAvailableVolumeAsync(size: 1);
        var snapshot = await giver.CreateSnapshotAsync(volume);
        await Host.SetSnapshotStatusAsync(Guid.Parse(snapshot), SnapshotStatus.Available);
        (await giver.Member.Post("volume-transfers", new { transfer = new { volume_id = volume } }, "3.54")).ShouldHave(404);

        var created = (await giver.Member.Post("volume-transfers", new { transfer = new { volume_id = volume, no_snapshots = true } }, "3.57"))
            .ShouldHave(202).Json.GetProperty("transfer");
        created.GetProperty("no_snapshots").GetBoolean().ShouldBeTrue();
        created.GetProperty("source_project_id").GetString().ShouldBe(giver.ProjectId);
        created.GetProperty("accepted").GetBoolean().ShouldBeFalse();
        (await taker.Member.Post($"volume-transfers/{created.GetProperty("id").GetString()}/accept",
            new { accept = new { auth_key = created.GetProperty("auth_key").GetString() } }, "3.57")).ShouldHave(202);

        (await taker.Member.Get($"volumes/{volume}")).ShouldHave(200);
        (await giver.Member.Get($"snapshots/{snapshot}")).ShouldHave(200);
        (await Host.UsageAsync(giver.ProjectId, QuotaResources.Gigabytes)).ShouldBe(1, "the snapshot stays the giver's");
        (await Host.UsageAsync(taker.ProjectId, QuotaResources.Gigabytes)).ShouldBe(1);
    }

    [Fact]
    public async Task An_accept_over_the_taker_s_quota_is_413_and_nothing_moves()
    {
        var giver = NewTenant();
        var taker = NewTenant();
        await taker.Admin.Put($"os-quota-sets/{taker.ProjectId}", new { quota_set = new { gigabytes = 1 } });
        var volume = await giver.CreateAvailableVolumeAsync(size: 2);
        var created = (await giver.Member.Post("os-volume-transfer", new { transfer = new { volume_id = volume } })).ShouldHave(202).Json.GetProperty("transfer");
        var id = created.GetProperty("id").GetString()!;

        (await taker.Member.Post($"os-volume-transfer/{id}/accept", new { accept = new { auth_key = created.GetProperty("auth_key").GetString() } }))
            .ShouldBeFault(413, "overLimit");
        (await giver.Member.Get($"volumes/{volume}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("awaiting-transfer");
        (await Host.UsageAsync(giver.ProjectId, QuotaResources.Gigabytes)).ShouldBe(2);
        (await Host.UsageAsync(taker.ProjectId, QuotaResources.Gigabytes)).ShouldBe(0);

        (await giver.Reader.Delete($"os-volume-transfer/{id}")).ShouldBeFault(403, "forbidden");
        (await taker.Member.Delete($"os-volume-transfer/{id}")).ShouldBeFault(404, "itemNotFound");
        (await giver.Member.Delete($"os-volume-transfer/{id}")).ShouldHave(202);
        (await giver.Member.Get($"volumes/{volume}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("available");
        (await giver.Member.Get($"os-volume-transfer/{id}")).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task Of_eight_projects_accepting_one_transfer_at_once_exactly_one_gets_the_volume_and_its_quota()
    {
        var giver = NewTenant();
        var volume = await giver.CreateAvailableVolumeAsync(size: 1);
        var created = (await giver.Member.Post("os-volume-transfer", new { transfer = new { volume_id = volume } })).ShouldHave(202).Json.GetProperty("transfer");
        var (id, key) = (created.GetProperty("id").GetString()!, created.GetProperty("auth_key").GetString()!);
        var takers = Enumerable.Range(0, 8).Select(_ => NewTenant()).ToList();

        var replies = await Task.WhenAll(takers.Select(t => t.Member.Post($"os-volume-transfer/{id}/accept", new { accept = new { auth_key = key } })));

        replies.Count(r => r.Status == 202).ShouldBe(1);
        replies.Where(r => r.Status != 202).ShouldAllBe(r => r.Status == 400 || r.Status == 404 || r.Status == 409);
        var winner = takers[Array.FindIndex(replies, r => r.Status == 202)];
        await using var db = Host.NewDb();
        (await db.Volumes.SingleAsync(v => v.Id == Guid.Parse(volume))).ProjectId.ShouldBe(winner.ProjectId);
        foreach (var t in takers) (await Host.UsageAsync(t.ProjectId, QuotaResources.Volumes)).ShouldBe(t == winner ? 1 : 0);
        (await Host.UsageAsync(giver.ProjectId, QuotaResources.Volumes)).ShouldBe(0);
    }

    [Fact]
    public async Task An_offer_is_refused_for_a_busy_volume_or_snapshot_for_readers_and_for_others_volumes()
    {
        var t = NewTenant();
        var busy = await Host.VolumeAsync(t.ProjectId, VolumeStatus.Extending);
        (await t.Member.Post("os-volume-transfer", new { transfer = new { volume_id = busy.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid volume: status must be available");
        var volume = await Host.VolumeAsync(t.ProjectId);
        await Host.SnapshotAsync(volume, SnapshotStatus.Creating, name: "s1");
        (await t.Member.Post("os-volume-transfer", new { transfer = new { volume_id = volume.Id } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid snapshot: Snapshot: s1, status: creating is not allowed for transfer.");
        (await t.Reader.Post("os-volume-transfer", new { transfer = new { volume_id = volume.Id } })).ShouldBeFault(403, "forbidden");
        (await NewTenant().Member.Post("os-volume-transfer", new { transfer = new { volume_id = volume.Id } })).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post("os-volume-transfer", new { transfer = new { } })).ShouldBeFault(400, "badRequest");
        (await t.Member.Post("os-volume-transfer", new { transfer = new { volume_id = volume.Id, colour = "red" } })).ShouldBeFault(400, "badRequest");
        await using var db = Host.NewDb();
        (await db.VolumeTransfers.CountAsync(x => x.VolumeId == volume.Id || x.VolumeId == busy.Id)).ShouldBe(0);
    }
}
