using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlockStore.Rbd;
using BlockStore.Storage.Backends;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Worker.Tests.ImageFlows;

namespace BlockStore.Worker.Tests;

/// <summary>
/// Managing existing RBD images and unmanaging volumes on the real stack: an image made with <c>rbd import</c> shows on
/// the manageable list, becomes a volume with its data, leaves again as <c>volume-&lt;id&gt;.unmanaged</c> with the same
/// data, and can be managed back; what cannot be adopted ends in error with a message and is left as it was.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ManageTests(LifecycleFixture stack) : IAsyncLifetime
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
    public async Task An_imported_image_is_listed_managed_with_its_data_unmanaged_with_it_and_managed_back()
    {
        var name = $"legacy-{Guid.NewGuid():N}";
        var data = new byte[9 << 20];
        Random.Shared.NextBytes(data);
        var file = Path.GetTempFileName();
        await File.WriteAllBytesAsync(file, data);
        await ShAsync($"rbd import --no-progress {file} volumes/{name}");
        File.Delete(file);

        var listed = await WaitListedAsync(name);
        listed.GetProperty("size").GetInt32().ShouldBe(1);
        listed.GetProperty("safe_to_manage").GetBoolean().ShouldBeTrue();

        var volume = await ManageAsync(name, new { name = "adopted", bootable = true });
        var shown = await WaitVolumeAsync(_admin, volume, "available");
        shown.GetProperty("size").GetInt32().ShouldBe(1);
        shown.GetProperty("bootable").GetString().ShouldBe("true");
        (await _backends.ExistsAsync("ceph", volume)).ShouldBeTrue();
        (await RbdSha256Async($"volumes/volume-{volume}")).ShouldBe(Sha256Padded(data, 1L << 30), "the data is the image's, grown to the whole GiB");
        (await _backends.Backends.Get("ceph").DescribeAsync(name, default)).ShouldBeNull("the image was renamed, not copied");
        (await UsageAsync("gigabytes")).ShouldBe(1);
        var managed = await WaitListedAsync($"volume-{volume}");
        managed.GetProperty("reason_not_safe").GetString().ShouldBe("already managed");
        managed.GetProperty("cinder_id").GetGuid().ShouldBe(volume);

        (await _admin.PostAsJsonAsync($"volumes/{volume}/action", new Dictionary<string, object?> { ["os-unmanage"] = null })).StatusCode
            .ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => (await _admin.GetAsync($"volumes/{volume}")).StatusCode == HttpStatusCode.NotFound, "the volume is gone");
        var kept = $"volume-{volume}.unmanaged";
        (await RbdSha256Async($"volumes/{kept}")).ShouldBe(Sha256Padded(data, 1L << 30), "the data stays, under the unmanaged name");
        (await UsageAsync("volumes")).ShouldBe(0);
        (await UsageAsync("gigabytes")).ShouldBe(0);
        (await WaitListedAsync(kept)).GetProperty("safe_to_manage").GetBoolean().ShouldBeTrue();

        // Managed back, then deleted as any volume is.
        var again = await ManageAsync(kept);
        await WaitVolumeAsync(_admin, again, "available");
        (await RbdSha256Async($"volumes/volume-{again}")).ShouldBe(Sha256Padded(data, 1L << 30));
        await DeleteVolumesAsync(_admin, again);
        (await _backends.ExistsAsync("ceph", again)).ShouldBeFalse();
    }

    [Fact]
    public async Task Storage_that_is_missing_in_use_or_over_quota_is_not_adopted_and_the_volume_ends_in_error_with_a_message()
    {
        var missing = await ManageAsync($"missing-{Guid.NewGuid():N}");
        await WaitVolumeAsync(_admin, missing, "error");
        (await MessagesAsync(missing)).ShouldContain(m => m.Contains("Specified storage does not exist"));

        // Open with a watch, as a host that maps it would have it.
        var busy = $"busy-{Guid.NewGuid():N}";
        await ShAsync($"rbd create --size 64M volumes/{busy}");
        var backend = (RbdVolumeBackend)_backends.Backends.Get("ceph");
        Guid inUse;
        using (RbdImage.Open(await backend.IoAsync(default), busy))
        {
            inUse = await ManageAsync(busy);
            await WaitVolumeAsync(_admin, inUse, "error");
            (await MessagesAsync(inUse)).ShouldContain(m => m.Contains("It is in use"));
        }
        (await backend.DescribeAsync(busy, default)).ShouldNotBeNull("a refused manage leaves the image as it was");

        // 3 GiB against a limit of 2: refused after the size is read, before the image is touched.
        var big = $"big-{Guid.NewGuid():N}";
        await ShAsync($"rbd create --size 3G volumes/{big}");
        (await _admin.PutAsJsonAsync($"os-quota-sets/{_project}", new { quota_set = new { gigabytes = 2 } })).EnsureSuccessStatusCode();
        var over = await ManageAsync(big);
        await WaitVolumeAsync(_admin, over, "error");
        (await MessagesAsync(over)).ShouldContain(m => m.Contains("gigabytes"));
        (await backend.DescribeAsync(big, default))!.SizeBytes.ShouldBe(3L << 30);
        (await UsageAsync("gigabytes")).ShouldBe(0);

        // A volume whose manage failed has no image: an unmanage simply removes it.
        (await _admin.PostAsJsonAsync($"volumes/{missing}/action", new Dictionary<string, object?> { ["os-unmanage"] = null })).StatusCode
            .ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => (await _admin.GetAsync($"volumes/{missing}")).StatusCode == HttpStatusCode.NotFound, "the volume is gone");
        await DeleteVolumesAsync(_admin, inUse, over);
        await ShAsync($"rbd rm --no-progress volumes/{busy} && rbd rm --no-progress volumes/{big}");
    }

    [Fact]
    public async Task A_manage_whose_worker_died_after_the_rename_is_sent_again_and_completes()
    {
        var name = $"redrive-{Guid.NewGuid():N}";
        var volume = await ManageAsync(name);
        await WaitVolumeAsync(_admin, volume, "error");
        // What a manage looks like when its worker died just after the rename: the image already has the volume's name,
        // the row is still creating with an old heartbeat, and no command is on its way.
        await ShAsync($"rbd create --size 1500M volumes/volume-{volume}");
        await using (var db = StackEnvironment.NewDb())
        {
            await db.Database.ExecuteSqlAsync($"""
                UPDATE blockstore.volumes SET status = 'creating', managing_from = {name}, status_changed_at = now() - interval '1 minute'
                WHERE id = {volume}
                """);
        }

        var shown = await WaitVolumeAsync(_admin, volume, "available", TimeSpan.FromSeconds(60));
        shown.GetProperty("size").GetInt32().ShouldBe(2);
        (await UsageAsync("gigabytes")).ShouldBe(2);
        await DeleteVolumesAsync(_admin, volume);
    }

    [Fact]
    public async Task An_unmanage_of_a_volume_that_clones_still_hang_from_is_refused_and_the_volume_stays_as_it_was()
    {
        var member = stack.Client(_project);
        var source = await LifecycleFixture.CreateVolumeAsync(member);
        await WaitVolumeAsync(member, source, "available");
        var clone = await LifecycleFixture.CreateVolumeAsync(member, sourceVolId: source);
        await WaitVolumeAsync(member, clone, "available");

        (await _admin.PostAsJsonAsync($"volumes/{source}/action", new Dictionary<string, object?> { ["os-unmanage"] = null })).StatusCode
            .ShouldBe(HttpStatusCode.Accepted);
        await WaitVolumeAsync(member, source, "available");
        (await MessagesAsync(source)).ShouldContain(m => m.Contains("could not be unmanaged") && m.Contains("snapshot"));
        (await _backends.ExistsAsync("ceph", source)).ShouldBeTrue();
        await DeleteVolumesAsync(member, clone, source);
    }

    private async Task<Guid> ManageAsync(string name, object? extra = null)
    {
        var volume = new Dictionary<string, object?> { ["host"] = _host, ["ref"] = new Dictionary<string, string> { ["source-name"] = name } };
        if (extra is not null)
            foreach (var p in extra.GetType().GetProperties()) volume[p.Name] = p.GetValue(extra);
        var response = await _admin.PostAsJsonAsync("os-volume-manage", new { volume });
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(202, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("volume").GetProperty("id").GetGuid();
    }

    /// <summary>The entry for <paramref name="name"/> once the scan (every 2 s here) or a manage has put it on the list.</summary>
    private async Task<JsonElement> WaitListedAsync(string name)
    {
        JsonElement found = default;
        await WaitUntilAsync(async () =>
        {
            var entries = await AdminFlows.ManageableAsync(_admin, "os-volume-manage/detail", "manageable-volumes", _host);
            found = entries.FirstOrDefault(e => e.GetProperty("reference").GetProperty("source-name").GetString() == name);
            return found.ValueKind == JsonValueKind.Object;
        }, $"{name} is on the manageable list", seconds: 30);
        return found;
    }

    private Task<List<string>> MessagesAsync(Guid volume) => AdminFlows.MessagesAsync(_admin, volume);

    private Task<int> UsageAsync(string resource) => AdminFlows.UsageAsync(_admin, _project, resource);

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _backends.DisposeAsync();
    }
}
