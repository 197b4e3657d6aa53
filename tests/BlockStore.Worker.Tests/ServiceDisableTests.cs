using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static BlockStore.Worker.Tests.ImageFlows;

namespace BlockStore.Worker.Tests;

/// <summary>
/// <c>os-services/disable</c> on the real stack: with every service of a backend disabled, a create there ends in
/// <c>error</c> with a message (as Cinder's scheduler finds no valid backend), a migration or retype to it is refused,
/// and once the service is enabled again the same create succeeds.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ServiceDisableTests(LifecycleFixture stack)
{
    [Fact]
    public async Task No_new_volume_goes_to_a_backend_whose_services_are_all_disabled()
    {
        var project = Guid.NewGuid().ToString("N");
        using var member = stack.Client(project);
        using var admin = stack.AdminClient(project);
        var fast = await MigrationSupport.TypeForAsync(admin, "ceph-fast");
        var hosts = JsonDocument.Parse(await admin.GetStringAsync("os-services")).RootElement.GetProperty("services").EnumerateArray()
            .Select(s => s.GetProperty("host").GetString()!).Where(h => h.EndsWith("@ceph-fast", StringComparison.Ordinal)).ToList();
        hosts.ShouldNotBeEmpty("the worker reports a ceph-fast service");
        var source = await LifecycleFixture.CreateVolumeAsync(member, size: 1);
        await WaitVolumeAsync(member, source, "available");
        try
        {
            await SetAsync(admin, hosts, "disable-log-reason", "maintenance");
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the worker reads a backend's state at most once a second

            var refused = await LifecycleFixture.CreateVolumeAsync(member, size: 1, type: fast);
            await WaitVolumeAsync(member, refused, "error");
            using (var request = new HttpRequestMessage(HttpMethod.Get, $"messages?resource_uuid={refused}"))
            {
                request.Headers.Add("OpenStack-API-Version", "volume 3.5");
                var messages = JsonDocument.Parse(await (await member.SendAsync(request)).Content.ReadAsStringAsync()).RootElement.GetProperty("messages");
                messages.EnumerateArray().ShouldContain(m => m.GetProperty("user_message").GetString()!.Contains("is disabled"));
            }
            (await LifecycleFixture.RbdImagesAsync("volumes-fast")).ShouldNotContain($"volume-{refused}");

            var migrate = await admin.PostAsJsonAsync($"volumes/{source}/action",
                new Dictionary<string, object> { ["os-migrate_volume"] = new { host = "ceph-fast" } });
            ((int)migrate.StatusCode).ShouldBe(400, await migrate.Content.ReadAsStringAsync());
            (await migrate.Content.ReadAsStringAsync()).ShouldContain("No available service named ceph-fast");
            var retype = await member.PostAsJsonAsync($"volumes/{source}/action",
                new Dictionary<string, object> { ["os-retype"] = new { new_type = fast, migration_policy = "on-demand" } });
            ((int)retype.StatusCode).ShouldBe(400, await retype.Content.ReadAsStringAsync());

            await SetAsync(admin, hosts, "enable");
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var placed = await LifecycleFixture.CreateVolumeAsync(member, size: 1, type: fast);
            await WaitVolumeAsync(member, placed, "available");
            await DeleteVolumesAsync(member, refused, placed);
        }
        finally
        {
            await SetAsync(admin, hosts, "enable");
            await DeleteVolumesAsync(member, source);
        }
    }

    private static async Task SetAsync(HttpClient admin, IEnumerable<string> hosts, string action, string? reason = null)
    {
        foreach (var host in hosts)
        {
            var body = reason is null
                ? (object)new { host, binary = "cinder-volume" }
                : new { host, binary = "cinder-volume", disabled_reason = reason };
            var response = await admin.PutAsJsonAsync($"os-services/{action}", body);
            ((int)response.StatusCode).ShouldBe(200, await response.Content.ReadAsStringAsync());
        }
    }
}
