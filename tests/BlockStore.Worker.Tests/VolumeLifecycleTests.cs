using System.Net;
using System.Text.Json;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Tests;

[Collection(StackCollection.Name)]
public sealed class VolumeLifecycleTests(LifecycleFixture stack)
{
    [Fact]
    public async Task A_volume_created_through_the_api_becomes_available_as_an_rbd_image_and_deleting_it_removes_the_image()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var id = await LifecycleFixture.CreateVolumeAsync(client, size: 2);
        (await LifecycleFixture.WaitSettledAsync(client, 1, TimeSpan.FromSeconds(60)))[id].ShouldBe("available");

        var (_, info) = await StackEnvironment.RunAsync("rbd", $"info --format json volumes/volume-{id}");
        JsonDocument.Parse(info).RootElement.GetProperty("size").GetInt64().ShouldBe(2L << 30);

        (await client.PostAsync($"volumes/{id}/action", Json("""{"os-extend":{"new_size":3}}"""))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await LifecycleFixture.WaitSettledAsync(client, 1, TimeSpan.FromSeconds(60)))[id].ShouldBe("available");
        (_, info) = await StackEnvironment.RunAsync("rbd", $"info --format json volumes/volume-{id}");
        JsonDocument.Parse(info).RootElement.GetProperty("size").GetInt64().ShouldBe(3L << 30);

        var clone = JsonDocument.Parse(await (await client.PostAsync("volumes", Json($$$"""{"volume":{"source_volid":"{{{id}}}"}}""")))
            .Content.ReadAsStringAsync()).RootElement.GetProperty("volume").GetProperty("id").GetGuid();
        (await LifecycleFixture.WaitSettledAsync(client, 2, TimeSpan.FromSeconds(60)))[clone].ShouldBe("available");
        (_, info) = await StackEnvironment.RunAsync("rbd", $"info --format json volumes/volume-{clone}");
        JsonDocument.Parse(info).RootElement.GetProperty("parent").GetProperty("image").GetString().ShouldBe($"volume-{id}");

        (await client.DeleteAsync($"volumes/{clone}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await client.DeleteAsync($"volumes/{id}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitGoneAsync(client, TimeSpan.FromSeconds(60));
        var images = await LifecycleFixture.RbdImagesAsync();
        images.ShouldNotContain($"volume-{id}");
        images.ShouldNotContain($"volume-{clone}");
    }

    [Fact]
    public async Task A_second_delivery_of_a_snapshot_delete_gives_nothing_back_twice()
    {
        var project = Guid.NewGuid().ToString("N");
        using var client = stack.Client(project);
        var id = await LifecycleFixture.CreateVolumeAsync(client, size: 2);
        (await LifecycleFixture.WaitSettledAsync(client, 1, TimeSpan.FromSeconds(60)))[id].ShouldBe("available");
        var snapshot = await IdOfAsync(await client.PostAsync("snapshots", Json($$$"""{"snapshot":{"volume_id":"{{{id}}}"}}""")), "snapshot");
        await ImageFlows.WaitUntilAsync(async () => (await client.GetStringAsync($"snapshots/{snapshot}")).Contains("\"available\""), "the snapshot is available", 60);
        var clone = await IdOfAsync(await client.PostAsync("volumes", Json($$$"""{"volume":{"snapshot_id":"{{{snapshot}}}"}}""")), "volume");
        (await LifecycleFixture.WaitSettledAsync(client, 2, TimeSpan.FromSeconds(60)))[clone].ShouldBe("available");

        // The clone needs the snapshot: its delete hides it and gives its quota back once.
        (await client.DeleteAsync($"snapshots/{snapshot}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await ImageFlows.WaitUntilAsync(async () => (await client.GetAsync($"snapshots/{snapshot}")).StatusCode == HttpStatusCode.NotFound, "the snapshot is hidden", 60);
        await using var db = StackEnvironment.NewDb();
        async Task<(long Snapshots, long Gigabytes)> UsageAsync() => (
            await db.QuotaUsages.Where(u => u.ProjectId == project && u.Resource == "snapshots").Select(u => u.InUse).SingleAsync(),
            await db.QuotaUsages.Where(u => u.ProjectId == project && u.Resource == "gigabytes").Select(u => u.InUse).SingleAsync());
        (await UsageAsync()).ShouldBe((0L, 4L));

        // The command again, as at-least-once delivery may bring it.
        db.Enqueue(new DeleteSnapshot(snapshot, id), DateTime.UtcNow);
        await db.SaveChangesAsync();
        var copy = db.ChangeTracker.Entries<BlockStore.Core.Outbox.OutboxMessage>().Single().Entity.Id;
        await ImageFlows.WaitUntilAsync(async () => !await db.OutboxMessages.AnyAsync(m => m.Id == copy), "the copy is sent", 60);
        await Task.Delay(TimeSpan.FromSeconds(3)); // and consumed
        (await UsageAsync()).ShouldBe((0L, 4L), "the second delivery gave nothing back");

        (await client.DeleteAsync($"volumes/{clone}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await ImageFlows.WaitUntilAsync(async () => (await client.GetAsync($"volumes/{clone}")).StatusCode == HttpStatusCode.NotFound, "the clone is gone", 60);
        (await client.DeleteAsync($"volumes/{id}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitGoneAsync(client, TimeSpan.FromSeconds(60));
        (await UsageAsync()).ShouldBe((0L, 0L));
    }

    private static async Task<Guid> IdOfAsync(HttpResponseMessage created, string resource)
    {
        created.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty(resource).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Killing_the_worker_while_200_volumes_are_created_leaves_none_stuck_and_no_image_orphaned()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var foreign = $"volume-of-another-tool-{Guid.NewGuid():N}";
        var (made, output) = await StackEnvironment.RunAsync("rbd", $"create --size 1M volumes/{foreign}");
        made.ShouldBe(0, output);
        var creating = Enumerable.Range(0, 200).Select(_ => LifecycleFixture.CreateVolumeAsync(client)).ToList();
        await Task.Delay(300);
        stack.Worker.Kill();
        var ids = await Task.WhenAll(creating);
        await stack.RestartWorkerAsync();

        var statuses = await LifecycleFixture.WaitSettledAsync(client, 200, TimeSpan.FromMinutes(3));
        statuses.Keys.ShouldBe(ids, ignoreOrder: true);
        var images = await LifecycleFixture.RbdImagesAsync();
        foreach (var (id, status) in statuses)
        {
            if (status == "available") images.ShouldContain($"volume-{id}");
            else status.ShouldBe("error"); // and then a message says why
        }

        foreach (var id in ids) (await client.DeleteAsync($"volumes/{id}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitGoneAsync(client, TimeSpan.FromMinutes(3));
        // Duplicate deliveries may briefly recreate an image, and a create killed inside rbd_create leaves a name
        // without a header; the worker or the reconciler's orphan sweep removes both.
        var until = DateTime.UtcNow.AddSeconds(30);
        List<Guid> outliving;
        do
        {
            var left = await LifecycleFixture.RbdImagesAsync();
            outliving = ids.Where(id => left.Contains($"volume-{id}")).ToList();
            if (outliving.Count > 0) await Task.Delay(1000);
        }
        while (outliving.Count > 0 && DateTime.UtcNow < until);
        outliving.ShouldBeEmpty($"no image may outlive its volume; worker log:\n{stack.Worker.Tail()}");
        (await LifecycleFixture.RbdImagesAsync()).ShouldContain(foreign, "the reconciler must leave images that are not volume-<uuid> alone");
        await StackEnvironment.RunAsync("rbd", $"rm volumes/{foreign}");
    }

    [Fact]
    public async Task While_rabbitmq_is_down_the_API_stays_ready_and_accepted_volumes_are_created_once_it_is_back()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var (code, output) = await StackEnvironment.StackAsync("down rabbitmq");
        code.ShouldBe(0, output);
        Guid[] ids;
        try
        {
            // The broker is the workers' dependency: the API commits each create with its outbox row and stays in service.
            using (var probe = new HttpClient { BaseAddress = stack.ApiUrl })
            {
                var ready = await probe.GetAsync("/readyz");
                ((int)ready.StatusCode).ShouldBe(200, await ready.Content.ReadAsStringAsync());
            }
            ids = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => LifecycleFixture.CreateVolumeAsync(client)));
        }
        finally
        {
            (code, output) = await StackEnvironment.StackAsync("up rabbitmq");
            code.ShouldBe(0, output);
        }
        var statuses = await LifecycleFixture.WaitSettledAsync(client, 100, TimeSpan.FromMinutes(3));
        ids.Select(id => statuses[id]).ShouldAllBe(s => s == "available");
        foreach (var id in ids) (await client.DeleteAsync($"volumes/{id}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitGoneAsync(client, TimeSpan.FromMinutes(2));
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private async Task WaitGoneAsync(HttpClient client, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = JsonDocument.Parse(await client.GetStringAsync("volumes/detail?limit=1000")).RootElement.GetProperty("volumes")
                .EnumerateArray().Select(v => (Id: v.GetProperty("id").GetGuid(), Status: v.GetProperty("status").GetString())).ToList();
            if (left.Count == 0) return;
            if (DateTime.UtcNow > until)
            {
                await using var db = new Core.Data.BlockStoreDbContext(Core.Data.DbSetup.OptionsFor(StackEnvironment.Require("ConnectionStrings__BlockStore")));
                var outbox = await db.Database.SqlQueryRaw<string>(
                    "SELECT message_type || '=' || count(*) AS \"Value\" FROM blockstore.outbox GROUP BY message_type").ToListAsync();
                var failed = left.Where(v => v.Status!.StartsWith("error", StringComparison.Ordinal)).Select(v => (Guid?)v.Id).ToList();
                var why = await db.UserMessages.Where(m => failed.Contains(m.ResourceUuid)).Select(m => m.Message).Take(5).ToListAsync();
                throw new TimeoutException(
                    $"volumes were not deleted in time: {string.Join(", ", left.GroupBy(v => v.Status).Select(g => $"{g.Key}={g.Count()}"))}; " +
                    $"why: {string.Join(" | ", why)}; outbox rows: {string.Join(", ", outbox)}\n" +
                    $"worker log:\n{stack.Worker.Tail()}\napi log:\n{stack.Api.Tail()}");
            }
            await Task.Delay(500);
        }
    }
}
