using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Worker.Tests.ImageFlows;

namespace BlockStore.Worker.Tests;

/// <summary>Reverting a volume to its latest snapshot (3.40) on the real stack: RBD rolls the image back.</summary>
[Collection(StackCollection.Name)]
public sealed class RevertTests(LifecycleFixture stack) : IAsyncLifetime
{
    private readonly MigrationSupport _backends = new();
    private HttpClient _member = null!;
    private string _ceph = "";

    public async Task InitializeAsync()
    {
        var project = Guid.NewGuid().ToString("N");
        _member = stack.Client(project);
        _ceph = await MigrationSupport.TypeForAsync(stack.AdminClient(project), "ceph");
    }

    [Fact]
    public async Task A_volume_reverted_to_its_latest_snapshot_reads_as_it_did_at_the_snapshot()
    {
        var (volume, snapshot, atSnapshot) = await VolumeWithSnapshotAsync();
        await _backends.WriteAsync("ceph", volume, (100, 8), (700, 2));
        (await _backends.Sha256Async("ceph", volume)).ShouldNotBe(atSnapshot);

        (await RevertAsync(volume, snapshot)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitVolumeAsync(_member, volume, "available");
        (await _backends.Sha256Async("ceph", volume)).ShouldBe(atSnapshot);
        (await SnapshotStatusAsync(snapshot)).ShouldBe("available");
        await DeleteAllAsync(volume);
    }

    [Fact]
    public async Task A_revert_that_fails_in_Ceph_leaves_the_volume_in_error_with_a_message_and_the_snapshot_available()
    {
        var (volume, snapshot, _) = await VolumeWithSnapshotAsync();
        // The RBD snapshot goes behind BlockStore's back, so the rollback cannot find it.
        await ShAsync($"rbd snap unprotect volumes/volume-{volume}@snapshot-{snapshot} && rbd snap rm --no-progress volumes/volume-{volume}@snapshot-{snapshot}");

        (await RevertAsync(volume, snapshot)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitVolumeAsync(_member, volume, "error");
        (await SnapshotStatusAsync(snapshot)).ShouldBe("available");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"messages?resource_uuid={volume}");
        request.Headers.Add("OpenStack-API-Version", "volume 3.5");
        var messages = JsonDocument.Parse(await (await _member.SendAsync(request)).Content.ReadAsStringAsync()).RootElement.GetProperty("messages");
        messages.EnumerateArray().ShouldContain(m => m.GetProperty("user_message").GetString()!.Contains("could not be reverted"));
        await DeleteAllAsync(volume);
    }

    [Fact]
    public async Task A_revert_whose_worker_died_is_sent_again_by_the_reconciler_and_completes()
    {
        var (volume, snapshot, atSnapshot) = await VolumeWithSnapshotAsync();
        await _backends.WriteAsync("ceph", volume, (100, 8));
        // What a revert looks like once the API has committed it and the worker died before the rollback: both rows
        // moved and an old heartbeat, but no command on its way.
        await using (var db = StackEnvironment.NewDb())
        {
            await db.Database.ExecuteSqlAsync(
                $"UPDATE blockstore.volumes SET status = 'reverting', status_changed_at = now() - interval '1 minute' WHERE id = {volume}");
            await db.Database.ExecuteSqlAsync($"UPDATE blockstore.snapshots SET status = 'restoring' WHERE id = {snapshot}");
        }

        await WaitVolumeAsync(_member, volume, "available", TimeSpan.FromSeconds(60));
        (await _backends.Sha256Async("ceph", volume)).ShouldBe(atSnapshot);
        (await SnapshotStatusAsync(snapshot)).ShouldBe("available");
        await DeleteAllAsync(volume);
    }

    /// <summary>An available volume with data, its available snapshot, and the volume's hash at the snapshot.</summary>
    private async Task<(Guid Volume, Guid Snapshot, string Hash)> VolumeWithSnapshotAsync()
    {
        var volume = await LifecycleFixture.CreateVolumeAsync(_member, size: 1, type: _ceph);
        await WaitVolumeAsync(_member, volume, "available");
        await _backends.WriteAsync("ceph", volume, (0, 8), (500, 4));
        var hash = await _backends.Sha256Async("ceph", volume);
        var created = await _member.PostAsJsonAsync("snapshots", new { snapshot = new { volume_id = volume } });
        created.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var snapshot = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("snapshot").GetProperty("id").GetGuid();
        await WaitUntilAsync(async () => await SnapshotStatusAsync(snapshot) == "available", "the snapshot is available");
        return (volume, snapshot, hash);
    }

    private Task<HttpResponseMessage> RevertAsync(Guid volume, Guid snapshot)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"volumes/{volume}/action")
        {
            Content = JsonContent.Create(new Dictionary<string, object> { ["revert"] = new { snapshot_id = snapshot } }),
        };
        request.Headers.Add("OpenStack-API-Version", "volume 3.40");
        return _member.SendAsync(request);
    }

    private async Task<string?> SnapshotStatusAsync(Guid snapshot) =>
        JsonDocument.Parse(await _member.GetStringAsync($"snapshots/{snapshot}")).RootElement.GetProperty("snapshot").GetProperty("status").GetString();

    /// <summary>The volume and its snapshot go (a cascade delete), and so does the image.</summary>
    private async Task DeleteAllAsync(Guid volume)
    {
        (await _member.DeleteAsync($"volumes/{volume}?cascade=true")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => (await _member.GetAsync($"volumes/{volume}")).StatusCode == HttpStatusCode.NotFound, "the volume is gone");
        (await LifecycleFixture.RbdImagesAsync()).ShouldNotContain($"volume-{volume}");
    }

    public Task DisposeAsync()
    {
        _member.Dispose();
        return _backends.DisposeAsync().AsTask();
    }
}
