namespace BlockStore.Worker.Tests;

/// <summary>
/// The real clients are the judges: tests/cli/cinderclient.sh drives python3-cinderclient, tests/cli/openstackclient.sh
/// python3-openstackclient, and tests/cli/glanceclient.sh python3-glanceclient (the image registry and its members),
/// against our API and worker, and each checks the images with rbd.
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
}
