using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>
/// Lists and creates take turns (<c>Api:Lists</c>, <c>Api:Creates</c>): a burst waits, and past the queue it is refused as
/// Cinder rate-limits, with nothing written.
/// </summary>
public sealed class AdmissionTests : ApiTest
{
    [Fact]
    public async Task A_burst_of_lists_waits_its_turn_and_every_one_is_served()
    {
        var t = NewTenant();
        await t.CreateVolumeAsync();
        var replies = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => t.Member.Get("volumes/detail")));
        replies.ShouldAllBe(r => r.Status == 200);
    }

    [Fact]
    public async Task Past_the_queue_a_list_is_refused_with_413_overLimit_and_other_requests_are_not_limited()
    {
        // One list at a time, and no queue.
        await using var host = new ConfiguredApi(new Dictionary<string, string?> { ["Api:Lists:Concurrency"] = "1", ["Api:Lists:QueueLimit"] = "0" });
        using var http = host.CreateClient();
        var project = Guid.NewGuid().ToString("N");
        http.DefaultRequestHeaders.Add("X-Auth-Token", $"lister:{project}");

        var lists = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => http.GetAsync($"/v3/{project}/volumes/detail")));
        var refused = lists.Where(r => r.StatusCode == HttpStatusCode.RequestEntityTooLarge).ToList();
        refused.ShouldNotBeEmpty();
        lists.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBeGreaterThan(0);
        lists.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK || r.StatusCode == HttpStatusCode.RequestEntityTooLarge);
        var fault = JsonDocument.Parse(await refused[0].Content.ReadAsStringAsync()).RootElement.GetProperty("overLimit");
        fault.GetProperty("code").GetInt32().ShouldBe(413);
        fault.GetProperty("message").GetString().ShouldBe("This request was rate-limited.");
        refused[0].Headers.RetryAfter.ShouldNotBeNull();

        // Single reads and writes do not queue behind lists.
        var others = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => http.GetAsync($"/v3/{project}/os-quota-sets/{project}")));
        others.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task Past_the_queue_a_create_is_refused_with_413_and_writes_nothing_and_the_admitted_ones_are_all_charged()
    {
        await using var host = new ConfiguredApi(new Dictionary<string, string?> { ["Api:Creates:Concurrency"] = "1", ["Api:Creates:QueueLimit"] = "0" });
        using var http = host.CreateClient();
        var project = Guid.NewGuid().ToString("N");
        http.DefaultRequestHeaders.Add("X-Auth-Token", $"creator:{project}");

        var creates = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ =>
            http.PostAsync($"/v3/{project}/volumes", JsonContent.Create(new { volume = new { size = 1 } }))));
        var accepted = creates.Count(r => r.StatusCode == HttpStatusCode.Accepted);
        var refused = creates.Where(r => r.StatusCode == HttpStatusCode.RequestEntityTooLarge).ToList();
        refused.ShouldNotBeEmpty();
        accepted.ShouldBeGreaterThan(0);
        (accepted + refused.Count).ShouldBe(30);
        JsonDocument.Parse(await refused[0].Content.ReadAsStringAsync()).RootElement.GetProperty("overLimit").GetProperty("message").GetString()
            .ShouldBe("This request was rate-limited.");

        // Only the admitted creates wrote a volume and charged the quota.
        var listed = JsonDocument.Parse(await http.GetStringAsync($"/v3/{project}/volumes")).RootElement.GetProperty("volumes").GetArrayLength();
        listed.ShouldBe(accepted);
        var usage = JsonDocument.Parse(await http.GetStringAsync($"/v3/{project}/os-quota-sets/{project}?usage=True")).RootElement
            .GetProperty("quota_set").GetProperty("volumes").GetProperty("in_use").GetInt32();
        usage.ShouldBe(accepted);
    }

    [Fact]
    public async Task A_negative_concurrency_other_than_minus_one_stops_the_start()
    {
        await using var host = new ConfiguredApi(new Dictionary<string, string?> { ["Api:Creates:Concurrency"] = "-2" });
        Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(() => host.CreateClient())
            .Message.ShouldContain("Api:Creates:Concurrency must be -1 or more");
    }
}
