using System.Net.Http.Json;
using System.Text.Json;

namespace BlockStore.Worker.Tests;

/// <summary>
/// An attachment on the real stack: the worker reports the cluster's monitors, the API's connection info names them,
/// and a client that knows nothing but that connection info (no ceph.conf) reaches the volume's image with it, as a
/// hypervisor would. An attached volume then grows (3.42) and stays attached.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AttachmentTests(LifecycleFixture stack)
{
    [Fact]
    public async Task The_connection_info_reaches_the_image_without_a_ceph_conf_and_an_attached_volume_extends_in_use()
    {
        using var client = stack.Client($"attach-{Guid.NewGuid():N}");
        client.DefaultRequestHeaders.Add("OpenStack-API-Version", "volume 3.70");
        var id = await LifecycleFixture.CreateVolumeAsync(client);
        (await LifecycleFixture.WaitSettledAsync(client, 1, TimeSpan.FromSeconds(60)))[id].ShouldBe("available");

        // The worker stamps its service rows every 10 s; the first create may come before its first report of the monitors.
        JsonElement info = default;
        string? attachment = null;
        var until = DateTime.UtcNow.AddSeconds(30);
        while (attachment is null)
        {
            var response = await client.PostAsJsonAsync("attachments", new
            {
                attachment = new { volume_uuid = id, instance_uuid = Guid.NewGuid(), connector = new { host = "compute-1", mountpoint = "/dev/vdb" } },
            });
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode == 503 && DateTime.UtcNow < until) { await Task.Delay(1000); continue; }
            ((int)response.StatusCode).ShouldBe(200, body);
            var a = JsonDocument.Parse(body).RootElement.GetProperty("attachment");
            attachment = a.GetProperty("id").GetString();
            info = a.GetProperty("connection_info").Clone();
        }

        var monitors = info.GetProperty("hosts").EnumerateArray().Zip(info.GetProperty("ports").EnumerateArray(), (h, p) => $"{h.GetString()}:{p.GetString()}");
        var monHost = string.Join(",", monitors);
        monHost.ShouldBe(StackEnvironment.Require("Ceph__MonHost").Trim('[', ']').Split(',').Single(a => a.StartsWith("v1:", StringComparison.Ordinal))[3..]);
        var (code, output) = await StackEnvironment.RunAsync("rbd",
            $"-c /dev/null -m {monHost} --id {info.GetProperty("auth_username").GetString()} --keyring {StackEnvironment.Require("Ceph__Keyring")} " +
            $"info --format json {info.GetProperty("name").GetString()}");
        code.ShouldBe(0, output);
        // Given a bare host:port off the standard ports, librados tries msgr2 first and logs its fallback to v1 on stderr.
        JsonDocument.Parse(output.Split('\n').Single(l => l.StartsWith('{'))).RootElement.GetProperty("size").GetInt64().ShouldBe(1L << 30);

        (await client.PostAsJsonAsync($"attachments/{attachment}/action", new Dictionary<string, object?> { ["os-complete"] = null })).StatusCode
            .ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await client.PostAsJsonAsync($"volumes/{id}/action", new Dictionary<string, object> { ["os-extend"] = new { new_size = 2 } })).StatusCode
            .ShouldBe(System.Net.HttpStatusCode.Accepted);
        (await LifecycleFixture.WaitSettledAsync(client, 1, TimeSpan.FromSeconds(60)))[id].ShouldBe("in-use", stack.Worker.Tail());
        (_, output) = await StackEnvironment.RunAsync("rbd", $"info --format json volumes/volume-{id}");
        JsonDocument.Parse(output).RootElement.GetProperty("size").GetInt64().ShouldBe(2L << 30);

        (await client.DeleteAsync($"attachments/{attachment}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        (await client.DeleteAsync($"volumes/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_multiattach_volume_and_its_clone_have_no_single_writer_features_and_two_hosts_attach_it()
    {
        var project = $"shared-{Guid.NewGuid():N}";
        using var admin = stack.AdminClient(project);
        var type = $"shared-{Guid.NewGuid():N}";
        (await admin.PostAsJsonAsync("types", new Dictionary<string, object>
        {
            ["volume_type"] = new Dictionary<string, object> { ["name"] = type, ["extra_specs"] = new Dictionary<string, string> { ["multiattach"] = "<is> True" } },
        })).EnsureSuccessStatusCode();
        using var client = stack.Client(project);
        client.DefaultRequestHeaders.Add("OpenStack-API-Version", "volume 3.70");
        var shared = await LifecycleFixture.CreateVolumeAsync(client, type: type);
        var plain = await LifecycleFixture.CreateVolumeAsync(client);
        (await LifecycleFixture.WaitSettledAsync(client, 2, TimeSpan.FromSeconds(60))).Values.ShouldAllBe(s => s == "available");
        var singleWriter = new[] { "exclusive-lock", "object-map", "fast-diff" };
        (await FeaturesAsync(shared)).ShouldNotContain(f => singleWriter.Contains(f));
        (await FeaturesAsync(plain)).ShouldBe(singleWriter.Concat(["layering", "deep-flatten"]), ignoreOrder: true);

        // A clone of it, from a snapshot: an RBD clone made shared too.
        var snapshot = JsonDocument.Parse(await (await client.PostAsJsonAsync("snapshots", new { snapshot = new { volume_id = shared } })).Content.ReadAsStringAsync())
            .RootElement.GetProperty("snapshot").GetProperty("id").GetGuid();
        await ImageFlows.WaitUntilAsync(async () => (await client.GetStringAsync($"snapshots/{snapshot}")).Contains("\"available\""), "the snapshot is available");
        var clone = JsonDocument.Parse(await (await client.PostAsJsonAsync("volumes", new { volume = new { snapshot_id = snapshot } })).Content.ReadAsStringAsync())
            .RootElement.GetProperty("volume");
        clone.GetProperty("multiattach").GetBoolean().ShouldBeTrue();
        var cloneId = clone.GetProperty("id").GetGuid();
        (await LifecycleFixture.WaitSettledAsync(client, 3, TimeSpan.FromSeconds(60)))[cloneId].ShouldBe("available");
        (await FeaturesAsync(cloneId)).ShouldNotContain(f => singleWriter.Contains(f));

        // Two hosts attach it at once.
        var attachments = new List<string>();
        foreach (var host in new[] { "compute-1", "compute-2" })
        {
            var response = await client.PostAsJsonAsync("attachments", new
            {
                attachment = new { volume_uuid = shared, instance_uuid = Guid.NewGuid(), connector = new { host, mountpoint = "/dev/vdb" } },
            });
            var body = await response.Content.ReadAsStringAsync();
            ((int)response.StatusCode).ShouldBe(200, body);
            var id = JsonDocument.Parse(body).RootElement.GetProperty("attachment").GetProperty("id").GetString()!;
            (await client.PostAsJsonAsync($"attachments/{id}/action", new Dictionary<string, object?> { ["os-complete"] = null })).StatusCode
                .ShouldBe(System.Net.HttpStatusCode.NoContent);
            attachments.Add(id);
        }
        var shown = JsonDocument.Parse(await client.GetStringAsync($"volumes/{shared}")).RootElement.GetProperty("volume");
        shown.GetProperty("status").GetString().ShouldBe("in-use");
        shown.GetProperty("attachments").GetArrayLength().ShouldBe(2);
        foreach (var id in attachments) (await client.DeleteAsync($"attachments/{id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);

        await ImageFlows.DeleteVolumesAsync(client, cloneId, plain);
        (await client.DeleteAsync($"snapshots/{snapshot}")).EnsureSuccessStatusCode();
        await ImageFlows.WaitUntilAsync(async () => !(await client.GetAsync($"snapshots/{snapshot}")).IsSuccessStatusCode, "the snapshot is deleted");
        await ImageFlows.DeleteVolumesAsync(client, shared);
    }

    /// <summary>The volume's RBD image features, as <c>rbd info</c> names them.</summary>
    private static async Task<List<string>> FeaturesAsync(Guid volume) =>
        (await ImageFlows.RbdInfoAsync($"volumes/volume-{volume}")).GetProperty("features").EnumerateArray().Select(f => f.GetString()!).ToList();
}
