using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;

namespace BlockStore.Worker.Tests;

/// <summary>What an orchestrator bound to the event exchanges sees of one volume's life (docs/bus.md).</summary>
[Collection(StackCollection.Name)]
public sealed class EventStreamTests(LifecycleFixture stack)
{
    [Fact]
    public async Task A_volume_created_extended_and_deleted_is_announced_at_every_change_each_event_under_its_own_message_id()
    {
        await using var statuses = await BusProbe.ListenAsync(typeof(VolumeStatusChanged));
        await using var created = await BusProbe.ListenAsync(typeof(VolumeCreated));
        await using var deleted = await BusProbe.ListenAsync(typeof(VolumeDeleted));
        using var client = stack.Client(Guid.NewGuid().ToString("N"));

        var id = await LifecycleFixture.CreateVolumeAsync(client);
        (await LifecycleFixture.WaitSettledAsync(client, 1, TimeSpan.FromSeconds(60)))[id].ShouldBe("available");
        (await client.PostAsJsonAsync($"volumes/{id}/action", new Dictionary<string, object> { ["os-extend"] = new { new_size = 2 } }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await LifecycleFixture.WaitSettledAsync(client, 1, TimeSpan.FromSeconds(60)))[id].ShouldBe("available");
        (await client.DeleteAsync($"volumes/{id}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var changes = new List<JsonElement>();
        for (var i = 0; i < 5; i++) changes.Add(await NextAsync(statuses, id));
        changes.OrderBy(c => c.GetProperty("message").GetProperty("at").GetDateTime())
            .Select(c => $"{c.GetProperty("message").GetProperty("oldStatus").GetString()} -> {c.GetProperty("message").GetProperty("newStatus").GetString()}")
            .ShouldBe(["creating -> available", "available -> extending", "extending -> available", "available -> deleting", "deleting -> deleted"]);

        var made = await NextAsync(created, id);
        made.GetProperty("message").GetProperty("sizeGb").GetInt32().ShouldBe(1);
        made.GetProperty("message").GetProperty("backend").GetString().ShouldBe("ceph");
        var gone = await NextAsync(deleted, id);

        var ids = changes.Append(made).Append(gone).Select(m => m.GetProperty("messageId").GetGuid()).ToList();
        ids.ShouldAllBe(m => m != Guid.Empty);
        ids.Distinct().Count().ShouldBe(ids.Count);
        (await statuses.DrainAsync(id.ToString())).ShouldBeEmpty("one event for each change");
    }

    private static async Task<JsonElement> NextAsync(BusProbe probe, Guid volumeId)
    {
        var body = await probe.WaitForAsync(volumeId.ToString(), TimeSpan.FromSeconds(30));
        body.ShouldNotBeNull($"an event about volume {volumeId} should reach the exchange");
        return JsonDocument.Parse(body).RootElement;
    }
}
