namespace BlockStore.Worker.Tests;

/// <summary>
/// The real clients are the judges: tests/cli/cinderclient.sh drives python3-cinderclient, tests/cli/openstackclient.sh
/// python3-openstackclient, and tests/cli/glanceclient.sh python3-glanceclient (the image registry and its members),
/// against our API and worker, and each checks the images with rbd; tests/cli/keystone.sh drives openstackclient and
/// cinderclient with Keystone logins.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ClientScriptTests(LifecycleFixture stack)
{
    [Theory]
    [InlineData("cinderclient")]
    [InlineData("openstackclient")]
    [InlineData("glanceclient")]
    public async Task Every_step_of_the_client_walk_succeeds_and_rbd_shows_each_image_as_the_client_left_it(string client)
    {
        var script = Path.Combine(StackEnvironment.RepoRoot, "tests", "cli", client + ".sh");
        var (code, output) = await StackEnvironment.RunAsync("bash", $"\"{script}\" {stack.ApiUrl.GetLeftPart(UriPartial.Authority)}", TimeSpan.FromMinutes(5));
        code.ShouldBe(0, output);
        output.ShouldContain($"all {client} steps passed");
    }

    /// <summary>
    /// tests/cli/keystone.sh: openstackclient and cinderclient with Keystone logins, finding this API through the catalog.
    /// The API is a second one beside the fixture's, in keystone mode against the stack's Keystone; the fixture's worker
    /// does the work.
    /// </summary>
    [Fact]
    public async Task Every_step_of_the_keystone_walk_succeeds()
    {
        var url = new Uri($"http://127.0.0.1:{ServiceProcess.FreePort()}");
        await using var api = ServiceProcess.Start("BlockStore.Api", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = url.ToString(),
            ["Auth__Mode"] = "keystone",
            ["Auth__Keystone__Url"] = StackEnvironment.Require("BLOCKSTORE_KEYSTONE_URL"),
            ["Auth__Keystone__ServicePassword"] = StackEnvironment.Require("BLOCKSTORE_KEYSTONE_SERVICE_PASSWORD"),
        });
        using (var http = new HttpClient { BaseAddress = url }) await LifecycleFixture.WaitReadyAsync(http, api);
        var script = Path.Combine(StackEnvironment.RepoRoot, "tests", "cli", "keystone.sh");
        var (code, output) = await StackEnvironment.RunAsync("bash", $"\"{script}\" {url.GetLeftPart(UriPartial.Authority)}", TimeSpan.FromMinutes(5));
        code.ShouldBe(0, $"{output}\n--- API log:\n{api.Tail()}");
        output.ShouldContain("all keystone steps passed");
    }
}
