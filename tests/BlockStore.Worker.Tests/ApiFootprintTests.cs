using System.Net;

namespace BlockStore.Worker.Tests;

/// <summary>
/// What the API process loads. It needs PostgreSQL to serve and accept work; Ceph only for image uploads, and the bus
/// not at all (the workers publish its outbox). librados and MassTransit cost it about 35 and 16 MiB of RSS
/// (docs/benchmarks.md), so a change that loads either on the common path shows here.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ApiFootprintTests
{
    [Fact]
    public async Task An_API_that_has_served_readiness_creates_and_lists_has_loaded_neither_librados_nor_MassTransit()
    {
        var url = new Uri($"http://127.0.0.1:{ServiceProcess.FreePort()}");
        await using var api = ServiceProcess.Start("BlockStore.Api", new Dictionary<string, string> { ["ASPNETCORE_URLS"] = url.ToString() });
        var project = Guid.NewGuid().ToString("N");
        using var http = new HttpClient { BaseAddress = new Uri(url, $"/v3/{project}/"), DefaultRequestHeaders = { { "X-Auth-Token", $"tester:{project}" } } };
        await LifecycleFixture.WaitReadyAsync(http, api);

        var created = await LifecycleFixture.CreateVolumeAsync(http);
        (await http.GetAsync("volumes/detail")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync($"volumes/{created}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var mapped = await File.ReadAllTextAsync($"/proc/{api.Id}/maps");
        mapped.ShouldNotContain("librados.so", customMessage: "the API loaded librados without an image upload");
        mapped.ShouldNotContain("/MassTransit.dll", customMessage: "the API loaded MassTransit, which it does not use");
        mapped.ShouldContain("/Npgsql.dll"); // the reading works: what the API does load shows

        // The collection's worker made the volume; it goes the same way.
        (await LifecycleFixture.WaitSettledAsync(http, 1, TimeSpan.FromMinutes(1)))[created].ShouldBe("available");
        (await http.DeleteAsync($"volumes/{created}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }
}
