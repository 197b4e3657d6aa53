using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>
/// Orchestrators follow volumes on the bus: every status change, the API's as much as a worker's, reaches it as
/// <c>VolumeStatusChanged</c>, committed with the change (docs/bus.md).
/// </summary>
public sealed class StatusEventTests : ApiTest
{
    [Fact]
    public async Task Each_status_change_an_API_action_makes_reaches_the_bus_once_and_a_change_of_no_status_sends_none()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        await using var probe = await BusProbe.ListenAsync(typeof(VolumeStatusChanged));
        var id = volume.Id.ToString();

        (await t.Member.Put($"volumes/{id}", new { volume = new { name = "renamed" } })).ShouldHave(200);
        (await t.Member.Post($"volumes/{id}/action", Action("os-extend", new { new_size = 2 }))).ShouldHave(202);
        (await NextChange(probe, id)).ShouldBe(("available", "extending"), await StampOf(volume.Id));
        (await t.Admin.Post($"volumes/{id}/action", Action("os-reset_status", new { status = "available" }))).ShouldHave(202);
        (await NextChange(probe, id)).ShouldBe(("extending", "available"), await StampOf(volume.Id));
        (await t.Member.Delete($"volumes/{id}")).ShouldHave(202);
        (await NextChange(probe, id)).ShouldBe(("available", "deleting"), await StampOf(volume.Id));

        await Task.Delay(TimeSpan.FromSeconds(1));
        (await probe.DrainAsync(id)).ShouldBeEmpty("one event for each change, and none for the rename");
    }

    private async Task<DateTime> StampOf(Guid volumeId)
    {
        await using var db = Host.NewDb();
        return await db.Volumes.Where(v => v.Id == volumeId).Select(v => v.StatusChangedAt).SingleAsync();
    }

    private static async Task<StatusChange> NextChange(BusProbe probe, string volumeId)
    {
        var body = await probe.WaitForAsync(volumeId, TimeSpan.FromSeconds(15));
        body.ShouldNotBeNull("the outbox dispatcher should publish VolumeStatusChanged within seconds of the commit");
        var message = JsonDocument.Parse(body).RootElement.GetProperty("message");
        return new StatusChange(message.GetProperty("oldStatus").GetString(), message.GetProperty("newStatus").GetString()!,
            message.GetProperty("at").GetDateTime().ToUniversalTime());
    }

    private sealed record StatusChange(string? Old, string New, DateTime At)
    {
        public void ShouldBe((string Old, string New) change, DateTime stampedAt)
        {
            (Old, New).ShouldBe(change);
            At.ShouldBe(stampedAt, TimeSpan.FromMilliseconds(1), "the event carries the row's status_changed_at");
        }
    }
}
