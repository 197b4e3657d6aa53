using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace BlockStore.Worker.Tests;

/// <summary>
/// Back-end QoS specs on the real stack: a volume's RBD image carries its type's limits as <c>conf_rbd_qos_*</c>
/// metadata, which librbd applies to its clients; a clone does not keep its parent's, and a retype or a migration sets
/// those of the new type.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BackEndQosTests(LifecycleFixture stack) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Dictionary<string, string> Limits = new()
    {
        ["conf_rbd_qos_iops_limit"] = "500", ["conf_rbd_qos_iops_burst"] = "800", ["conf_rbd_qos_read_bps_limit"] = "1048576",
    };
    private readonly string _project = $"qos-{Guid.NewGuid():N}";
    private HttpClient _member = null!, _admin = null!;
    private string _plain = "", _limited = "", _limitedFast = "";

    public async Task InitializeAsync()
    {
        _member = stack.Client(_project);
        _admin = stack.AdminClient(_project);
        _plain = await MigrationSupport.TypeForAsync(_admin, "ceph");
        var qos = await PostAsync("qos-specs", new Dictionary<string, object>
        {
            ["qos_specs"] = new Dictionary<string, string>
            {
                ["name"] = $"limits-{Guid.NewGuid():N}", ["consumer"] = "both", ["total_iops_sec"] = "500", ["total_iops_sec_max"] = "800",
                ["read_bytes_sec"] = "1048576", ["write_iops_sec_per_gb"] = "10", // per GiB: the hypervisor's, not librbd's
            },
        }, "qos_specs");
        (_limited, _limitedFast) = ($"limited-{Guid.NewGuid():N}", $"limited-fast-{Guid.NewGuid():N}");
        foreach (var (name, backend) in new[] { (_limited, "ceph"), (_limitedFast, "ceph-fast") })
        {
            var type = await PostAsync("types", new Dictionary<string, object>
            {
                ["volume_type"] = new Dictionary<string, object> { ["name"] = name, ["extra_specs"] = new Dictionary<string, string> { ["volume_backend_name"] = backend } },
            }, "volume_type");
            (await _admin.GetAsync($"qos-specs/{qos}/associate?vol_type_id={type}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }
    }

    [Fact]
    public async Task A_volume_carries_its_types_limits_its_clone_and_a_retype_set_their_own_and_a_migration_keeps_them()
    {
        var id = await CreateAsync(new { size = 1, volume_type = _limited });
        (await QosAsync("volumes", id)).ShouldBe(Limits, ignoreOrder: true);

        // A clone of a plain type starts with its parent's metadata in RBD: the worker takes the limits off.
        var snapshot = await PostAsync("snapshots", new { snapshot = new { volume_id = id } }, "snapshot", _member);
        await ImageFlows.WaitUntilAsync(async () => (await _member.GetStringAsync($"snapshots/{snapshot}")).Contains("\"available\""), "the snapshot is available");
        var clone = await CreateAsync(new { snapshot_id = snapshot, volume_type = _plain });
        (await QosAsync("volumes", clone)).ShouldBeEmpty();

        (await Retype(id, _plain)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await ImageFlows.WaitVolumeAsync(_member, Guid.Parse(id), "available", Timeout);
        (await QosAsync("volumes", id)).ShouldBeEmpty();
        (await Retype(clone, _limited)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await ImageFlows.WaitVolumeAsync(_member, Guid.Parse(clone), "available", Timeout)).GetProperty("volume_type").GetString().ShouldBe(_limited);
        (await QosAsync("volumes", clone)).ShouldBe(Limits, ignoreOrder: true);

        // Retyped across pools into a type with the same limits: the copy has them.
        await ImageFlows.DeleteVolumesAsync(_member, Guid.Parse(clone));
        (await _member.DeleteAsync($"snapshots/{snapshot}")).EnsureSuccessStatusCode();
        await ImageFlows.WaitUntilAsync(async () => !(await _member.GetAsync($"snapshots/{snapshot}")).IsSuccessStatusCode, "the snapshot is deleted");
        (await Retype(id, _limitedFast)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await MigrationSupport.WaitMigratedAsync(_admin, Guid.Parse(id), Timeout)).GetProperty("migration_status").GetString().ShouldBe("success");
        (await QosAsync("volumes-fast", id)).ShouldBe(Limits, ignoreOrder: true);
        await ImageFlows.DeleteVolumesAsync(_member, Guid.Parse(id));
    }

    [Fact]
    public async Task Pools_report_back_end_QoS_on_RBD_only()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "scheduler-stats/get_pools?detail=True");
        var pools = JsonDocument.Parse(await (await _admin.SendAsync(request)).Content.ReadAsStringAsync()).RootElement.GetProperty("pools").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("capabilities").GetProperty("QoS_support").GetBoolean());
        pools.Where(p => p.Key.Contains("@ceph", StringComparison.Ordinal)).ShouldAllBe(p => p.Value);
        pools.Where(p => p.Key.Contains("@local", StringComparison.Ordinal)).ShouldAllBe(p => !p.Value);
        pools.ShouldContain(p => p.Key.Contains("@local", StringComparison.Ordinal));
    }

    private async Task<string> CreateAsync(object volume)
    {
        var id = await PostAsync("volumes", new { volume }, "volume", _member);
        await ImageFlows.WaitVolumeAsync(_member, Guid.Parse(id), "available", Timeout);
        return id;
    }

    private async Task<string> PostAsync(string path, object body, string key, HttpClient? client = null)
    {
        var response = await (client ?? _admin).PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.GetProperty(key).GetProperty("id").GetString()!;
    }

    private Task<HttpResponseMessage> Retype(string id, string type) =>
        MigrationSupport.ActAsync(_member, Guid.Parse(id), $$$"""{"os-retype":{"new_type":"{{{type}}}","migration_policy":"on-demand"}}""");

    /// <summary>The image's <c>conf_rbd_qos_*</c> metadata, as <c>rbd image-meta list</c> shows it.</summary>
    private static async Task<Dictionary<string, string>> QosAsync(string pool, string id)
    {
        var (code, output) = await StackEnvironment.RunAsync("rbd", $"image-meta list --format json {pool}/volume-{id}");
        code.ShouldBe(0, output);
        return JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "{}" : output).RootElement.EnumerateObject()
            .Where(p => p.Name.StartsWith("conf_rbd_qos_", StringComparison.Ordinal)).ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
