using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlockStore.Rbd;
using BlockStore.Storage.Backends;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Worker.Tests.ImageFlows;

namespace BlockStore.Worker.Tests;

/// <summary>
/// Managing RBD snapshots on the real stack: an image with two snapshots made with <c>rbd</c> is managed with them; the
/// volume then refuses a delete; each snapshot is adopted with its data (renamed and protected), cloned, let go with its
/// data, adopted again; one removed with <c>rbd</c> is forgotten by the scan; and at last the volume goes.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SnapshotManageTests(LifecycleFixture stack) : IAsyncLifetime
{
    private readonly MigrationSupport _backends = new();
    private readonly string _project = Guid.NewGuid().ToString("N");
    private HttpClient _admin = null!;
    private string _host = "";

    public async Task InitializeAsync()
    {
        _admin = stack.AdminClient(_project);
        _host = await AdminFlows.CephHostAsync(_admin);
    }

    [Fact]
    public async Task An_image_is_managed_with_its_snapshots_which_are_adopted_cloned_let_go_and_adopted_again_with_their_data()
    {
        // An image made outside BlockStore: 4 MiB written, snapshot "first"; other data, snapshot "second"; grown to 1.5 GiB.
        var name = $"legacy-snaps-{Guid.NewGuid():N}";
        var first = RandomBytes(4 << 20);
        var second = RandomBytes(4 << 20);
        await ShAsync($"rbd create --size 4M volumes/{name}");
        var backend = (RbdVolumeBackend)_backends.Backends.Get("ceph");
        using (var image = RbdImage.Open(await backend.IoAsync(default), name))
        {
            image.Write(0, first);
            image.CreateSnapshot("first");
            image.Write(0, second);
            image.CreateSnapshot("second");
            image.Resize(1536UL << 20);
        }

        var volume = await ManageVolumeAsync(name);
        (await WaitVolumeAsync(_admin, volume, "available")).GetProperty("size").GetInt32().ShouldBe(2);
        var listed = await ListedAsync(volume);
        listed.Keys.ShouldBe(["first", "second"], ignoreOrder: true);
        listed["first"].GetProperty("safe_to_manage").GetBoolean().ShouldBeTrue();
        listed["first"].GetProperty("size").GetInt32().ShouldBe(1);

        // Deleting the volume would destroy them: refused, saying which.
        var refused = await _admin.DeleteAsync($"volumes/{volume}");
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("does not manage (first, second)");

        // Adopted: renamed, protected, its data the image's at the time; charged its own size (1 GiB), not the volume's (2).
        var adopted = await ManageSnapshotAsync(volume, "first");
        var shown = await WaitSnapshotAsync(adopted, "available");
        shown.GetProperty("size").GetInt32().ShouldBe(1);
        var spec = $"volumes/volume-{volume}@snapshot-{adopted}";
        (await RbdSha256Async(spec)).ShouldBe(Sha256Padded(first, first.Length));
        (await RbdInfoAsync(spec)).GetProperty("protected").GetString().ShouldBe("true");
        (await UsageAsync("snapshots")).ShouldBe(1);
        (await UsageAsync("gigabytes")).ShouldBe(3);
        (await ListedAsync(volume)).Keys.ShouldBe(["second", $"snapshot-{adopted}"], ignoreOrder: true);

        // A volume made from it is a clone; while it hangs from the snapshot, an unmanage is refused with a message.
        var clone = await IdOfAsync(await _admin.PostAsJsonAsync("volumes", new { volume = new { snapshot_id = adopted } }), "volume");
        await WaitVolumeAsync(_admin, clone, "available");
        (await RbdSha256Async($"volumes/volume-{clone}")).ShouldBe(Sha256Padded(first, 1L << 30));
        (await ActAsync($"snapshots/{adopted}/action", "os-unmanage")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitSnapshotAsync(adopted, "available");
        (await MessagesAsync(adopted)).ShouldContain(m => m.Contains("could not be unmanaged") && m.Contains("depend on it"));
        await DeleteVolumesAsync(_admin, clone);

        // Let go: the row and its quota go, the RBD snapshot stays with its data, unprotected, back on the list.
        (await ActAsync($"snapshots/{adopted}/action", "os-unmanage")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => (await _admin.GetAsync($"snapshots/{adopted}")).StatusCode == HttpStatusCode.NotFound, "the snapshot is gone");
        (await RbdInfoAsync(spec)).GetProperty("protected").GetString().ShouldBe("false");
        (await RbdSha256Async(spec)).ShouldBe(Sha256Padded(first, first.Length));
        (await UsageAsync("snapshots")).ShouldBe(0);
        (await UsageAsync("gigabytes")).ShouldBe(2);
        (await ListedAsync(volume))[$"snapshot-{adopted}"].GetProperty("safe_to_manage").GetBoolean().ShouldBeTrue();

        // Adopted again under a new id, then deleted as any snapshot is.
        var again = await ManageSnapshotAsync(volume, $"snapshot-{adopted}");
        await WaitSnapshotAsync(again, "available");
        (await RbdSha256Async($"volumes/volume-{volume}@snapshot-{again}")).ShouldBe(Sha256Padded(first, first.Length));
        (await _admin.DeleteAsync($"snapshots/{again}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => (await _admin.GetAsync($"snapshots/{again}")).StatusCode == HttpStatusCode.NotFound, "the snapshot is deleted");

        // The other one removed with rbd: the scan forgets it, and the volume can go, with its image.
        await ShAsync($"rbd snap rm --no-progress volumes/volume-{volume}@second");
        await WaitUntilAsync(async () => (await ListedAsync(volume)).Count == 0, "the scan forgot the removed snapshot", seconds: 30);
        await DeleteVolumesAsync(_admin, volume);
        (await _backends.ExistsAsync("ceph", volume)).ShouldBeFalse();
        (await UsageAsync("gigabytes")).ShouldBe(0);
    }

    [Fact]
    public async Task A_snapshot_that_is_not_there_ends_in_error_with_a_message_and_its_quota_given_back()
    {
        var member = stack.Client(_project);
        var volume = await LifecycleFixture.CreateVolumeAsync(member);
        await WaitVolumeAsync(member, volume, "available");
        var missing = await ManageSnapshotAsync(volume, "never-taken");
        await WaitSnapshotAsync(missing, "error");
        (await MessagesAsync(missing)).ShouldContain(m => m.Contains("Specified snapshot does not exist"));

        (await _admin.DeleteAsync($"snapshots/{missing}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => (await _admin.GetAsync($"snapshots/{missing}")).StatusCode == HttpStatusCode.NotFound, "the snapshot is deleted");
        (await UsageAsync("snapshots")).ShouldBe(0);
        await DeleteVolumesAsync(member, volume);
    }

    [Fact]
    public async Task A_snapshot_manage_whose_worker_died_after_the_rename_is_sent_again_and_completes()
    {
        var member = stack.Client(_project);
        var volume = await LifecycleFixture.CreateVolumeAsync(member, size: 2);
        await WaitVolumeAsync(member, volume, "available");
        var snapshot = await ManageSnapshotAsync(volume, "ghost");
        await WaitSnapshotAsync(snapshot, "error");
        // What a manage looks like when its worker died just after the rename: the RBD snapshot already has the
        // snapshot's name, unprotected, the row is still creating with an old heartbeat, and no command is on its way.
        await ShAsync($"rbd snap create --no-progress volumes/volume-{volume}@snapshot-{snapshot}");
        await using (var db = StackEnvironment.NewDb())
        {
            await db.Database.ExecuteSqlAsync($"""
                UPDATE blockstore.snapshots SET status = 'creating', managing_from = 'ghost', status_changed_at = now() - interval '1 minute'
                WHERE id = {snapshot}
                """);
        }

        (await WaitSnapshotAsync(snapshot, "available")).GetProperty("size").GetInt32().ShouldBe(2);
        (await RbdInfoAsync($"volumes/volume-{volume}@snapshot-{snapshot}")).GetProperty("protected").GetString().ShouldBe("true");
        (await UsageAsync("snapshots")).ShouldBe(1);
        (await _admin.DeleteAsync($"snapshots/{snapshot}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => (await _admin.GetAsync($"snapshots/{snapshot}")).StatusCode == HttpStatusCode.NotFound, "the snapshot is deleted");
        await DeleteVolumesAsync(member, volume);
    }

    private static byte[] RandomBytes(int length)
    {
        var data = new byte[length];
        Random.Shared.NextBytes(data);
        return data;
    }

    private async Task<Guid> ManageVolumeAsync(string name)
    {
        var body = new { volume = new Dictionary<string, object?> { ["host"] = _host, ["ref"] = new Dictionary<string, string> { ["source-name"] = name } } };
        return await IdOfAsync(await _admin.PostAsJsonAsync("os-volume-manage", body), "volume");
    }

    private async Task<Guid> ManageSnapshotAsync(Guid volume, string name)
    {
        var body = new { snapshot = new Dictionary<string, object?> { ["volume_id"] = volume, ["ref"] = new Dictionary<string, string> { ["source-name"] = name } } };
        return await IdOfAsync(await _admin.PostAsJsonAsync("os-snapshot-manage", body), "snapshot");
    }

    private static async Task<Guid> IdOfAsync(HttpResponseMessage response, string resource)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(202, body);
        return JsonDocument.Parse(body).RootElement.GetProperty(resource).GetProperty("id").GetGuid();
    }

    private Task<HttpResponseMessage> ActAsync(string path, string action) =>
        _admin.PostAsJsonAsync(path, new Dictionary<string, object?> { [action] = null });

    private async Task<JsonElement> WaitSnapshotAsync(Guid snapshot, string status)
    {
        JsonElement shown = default;
        await WaitUntilAsync(async () =>
        {
            shown = JsonDocument.Parse(await _admin.GetStringAsync($"snapshots/{snapshot}")).RootElement.GetProperty("snapshot").Clone();
            return shown.GetProperty("status").GetString() == status;
        }, $"snapshot {snapshot} is {status}", seconds: 90);
        return shown;
    }

    /// <summary>This volume's entries of the manageable snapshot list, by name.</summary>
    private async Task<Dictionary<string, JsonElement>> ListedAsync(Guid volume) =>
        (await AdminFlows.ManageableAsync(_admin, "os-snapshot-manage/detail", "manageable-snapshots", _host))
            .Where(e => e.GetProperty("source_reference").GetProperty("source-name").GetString() == $"volume-{volume}")
            .ToDictionary(e => e.GetProperty("reference").GetProperty("source-name").GetString()!);

    private Task<List<string>> MessagesAsync(Guid resource) => AdminFlows.MessagesAsync(_admin, resource);

    private Task<int> UsageAsync(string resource) => AdminFlows.UsageAsync(_admin, _project, resource);

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _backends.DisposeAsync();
    }
}
