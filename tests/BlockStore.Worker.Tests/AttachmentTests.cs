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
}
