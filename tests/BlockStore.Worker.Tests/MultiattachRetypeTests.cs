using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Tests;

/// <summary>
/// Retypes that change multiattach, and migrations of multiattach volumes, on the real stack: the RBD image loses or gets
/// back the features that assume one writer, its object maps (the head's and each snapshot's) are rebuilt, and its data
/// stays as it was.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MultiattachRetypeTests(LifecycleFixture stack) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly string[] SingleWriter = ["exclusive-lock", "object-map", "fast-diff"];
    private static readonly string[] Default = [.. SingleWriter, "layering", "deep-flatten"];
    private readonly MigrationSupport _backends = new();
    private readonly string _project = $"maretype-{Guid.NewGuid():N}";
    private HttpClient _member = null!, _admin = null!;
    private string _shared = "", _plain = "";

    public async Task InitializeAsync()
    {
        _member = stack.Client(_project);
        _member.DefaultRequestHeaders.Add("OpenStack-API-Version", "volume 3.70");
        _admin = stack.AdminClient(_project);
        _plain = await MigrationSupport.TypeForAsync(_admin, "ceph");
        _shared = $"shared-{Guid.NewGuid():N}";
        (await _admin.PostAsJsonAsync("types", new Dictionary<string, object>
        {
            ["volume_type"] = new Dictionary<string, object> { ["name"] = _shared, ["extra_specs"] = new Dictionary<string, string> { ["multiattach"] = "<is> True" } },
        })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_volume_retyped_to_a_multiattach_type_and_back_loses_and_gets_back_its_single_writer_features_with_valid_object_maps()
    {
        var id = await CreateAsync(_plain);
        await _backends.WriteAsync("ceph", id, (0, 2), (600, 1));
        var hash = await _backends.Sha256Async("ceph", id);
        var snapshot = JsonDocument.Parse(await (await _member.PostAsJsonAsync("snapshots", new { snapshot = new { volume_id = id } })).Content.ReadAsStringAsync())
            .RootElement.GetProperty("snapshot").GetProperty("id").GetGuid();
        await ImageFlows.WaitUntilAsync(async () => (await _member.GetStringAsync($"snapshots/{snapshot}")).Contains("\"available\""), "the snapshot is available");

        (await Retype(id, _shared)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var shared = await ImageFlows.WaitVolumeAsync(_member, id, "available", Timeout);
        (shared.GetProperty("volume_type").GetString(), shared.GetProperty("multiattach").GetBoolean()).ShouldBe((_shared, true));
        (await FeaturesAsync($"volumes/volume-{id}")).ShouldNotContain(f => SingleWriter.Contains(f));

        (await Retype(id, _plain)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var plain = await ImageFlows.WaitVolumeAsync(_member, id, "available", Timeout);
        (plain.GetProperty("volume_type").GetString(), plain.GetProperty("multiattach").GetBoolean()).ShouldBe((_plain, false));
        var head = await ImageFlows.RbdInfoAsync($"volumes/volume-{id}");
        head.GetProperty("features").EnumerateArray().Select(f => f.GetString()).ShouldBe(Default, ignoreOrder: true);
        head.GetProperty("flags").GetArrayLength().ShouldBe(0, "the head's object map is rebuilt");
        (await ImageFlows.RbdInfoAsync($"volumes/volume-{id}@snapshot-{snapshot}")).GetProperty("flags").GetArrayLength()
            .ShouldBe(0, "the snapshot's object map is rebuilt");
        (await _backends.Sha256Async("ceph", id)).ShouldBe(hash);

        (await _member.DeleteAsync($"snapshots/{snapshot}")).EnsureSuccessStatusCode();
        await ImageFlows.WaitUntilAsync(async () => !(await _member.GetAsync($"snapshots/{snapshot}")).IsSuccessStatusCode, "the snapshot is deleted");
        await ImageFlows.DeleteVolumesAsync(_member, id);
    }

    [Fact]
    public async Task A_multiattach_volume_migrates_between_pools_shared_and_a_retype_across_backends_makes_it_single_writer()
    {
        var id = await CreateAsync(_shared);
        await _backends.WriteAsync("ceph", id, (8, 3));
        var hash = await _backends.Sha256Async("ceph", id);

        (await MigrationSupport.ActAsync(_admin, id, """{"os-migrate_volume":{"host":"ceph-fast"}}""")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var moved = await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout);
        (moved.GetProperty("migration_status").GetString(), moved.GetProperty("multiattach").GetBoolean()).ShouldBe(("success", true));
        (await FeaturesAsync($"volumes-fast/volume-{id}")).ShouldNotContain(f => SingleWriter.Contains(f));
        (await _backends.Sha256Async("ceph-fast", id)).ShouldBe(hash);

        // Back to the first pool with a type that is not multiattach: the copy is made for one writer.
        (await Retype(id, _plain)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var back = await MigrationSupport.WaitMigratedAsync(_admin, id, Timeout);
        (back.GetProperty("volume_type").GetString(), back.GetProperty("multiattach").GetBoolean()).ShouldBe((_plain, false));
        (await FeaturesAsync($"volumes/volume-{id}")).ShouldBe(Default, ignoreOrder: true);
        (await _backends.Sha256Async("ceph", id)).ShouldBe(hash);
        await ImageFlows.DeleteVolumesAsync(_member, id);
    }

    [Fact]
    public async Task A_retype_whose_image_cannot_be_changed_is_undone_with_a_message()
    {
        var id = await CreateAsync(_plain);
        // The image goes behind BlockStore's back: the retype's change to it fails.
        (await StackEnvironment.RunAsync("rbd", $"rm volumes/volume-{id}")).Code.ShouldBe(0);

        (await Retype(id, _shared)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var undone = await ImageFlows.WaitVolumeAsync(_member, id, "available", Timeout);
        (undone.GetProperty("volume_type").GetString(), undone.GetProperty("multiattach").GetBoolean()).ShouldBe((_plain, false));
        (await AdminFlows.MessagesAsync(_admin, id)).ShouldContain(m => m.Contains("could not be retyped") && m.Contains("keeps its type"));
        await ImageFlows.DeleteVolumesAsync(_member, id);
    }

    [Fact]
    public async Task A_retype_in_place_whose_command_was_lost_is_sent_again_by_the_reconciler()
    {
        var id = await CreateAsync(_plain);
        await using (var db = StackEnvironment.NewDb())
        {
            // What the API commits for the retype, with its command lost and its status a minute old (the worker died).
            var types = await db.VolumeTypes.Where(t => t.Name == _plain || t.Name == _shared).ToDictionaryAsync(t => t.Name, t => t.Id);
            (await db.Volumes.Where(v => v.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(v => v.Status, VolumeStatus.Retyping).SetProperty(v => v.PreviousStatus, VolumeStatus.Available)
                .SetProperty(v => v.RetypingFrom, types[_plain]).SetProperty(v => v.VolumeTypeId, types[_shared])
                .SetProperty(v => v.Multiattach, true).SetProperty(v => v.StatusChangedAt, DateTime.UtcNow.AddMinutes(-1)))).ShouldBe(1);
        }

        var done = await ImageFlows.WaitVolumeAsync(_member, id, "available", Timeout);
        (done.GetProperty("volume_type").GetString(), done.GetProperty("multiattach").GetBoolean()).ShouldBe((_shared, true));
        (await FeaturesAsync($"volumes/volume-{id}")).ShouldNotContain(f => SingleWriter.Contains(f));
        await ImageFlows.DeleteVolumesAsync(_member, id);
    }

    private async Task<Guid> CreateAsync(string type)
    {
        var id = await LifecycleFixture.CreateVolumeAsync(_member, type: type);
        await ImageFlows.WaitVolumeAsync(_member, id, "available", Timeout);
        return id;
    }

    private Task<HttpResponseMessage> Retype(Guid id, string type) =>
        MigrationSupport.ActAsync(_member, id, $$$"""{"os-retype":{"new_type":"{{{type}}}","migration_policy":"on-demand"}}""");

    private static async Task<List<string>> FeaturesAsync(string spec) =>
        (await ImageFlows.RbdInfoAsync(spec)).GetProperty("features").EnumerateArray().Select(f => f.GetString()!).ToList();

    public async Task DisposeAsync() => await _backends.DisposeAsync();
}
