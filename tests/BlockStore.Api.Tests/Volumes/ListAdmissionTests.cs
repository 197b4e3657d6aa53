using System.Net;
using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>The list endpoints take turns (<c>Api:Lists</c>): a burst waits, and past the queue it is refused as Cinder rate-limits.</summary>
public sealed class ListAdmissionTests : ApiTest
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
}
