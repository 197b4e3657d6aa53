namespace BlockStore.Worker.Tests;

/// <summary>The real client is the judge: tests/cli/cinderclient.sh drives python3-cinderclient against our API and worker.</summary>
[Collection(StackCollection.Name)]
public sealed class CinderClientScriptTests(LifecycleFixture stack)
{
    [Fact]
    public async Task Every_cinderclient_step_succeeds_and_rbd_shows_each_image_with_its_size_and_parent()
    {
        var script = Path.Combine(StackEnvironment.RepoRoot, "tests", "cli", "cinderclient.sh");
        var (code, output) = await StackEnvironment.RunAsync("bash", $"\"{script}\" {stack.ApiUrl.GetLeftPart(UriPartial.Authority)}", TimeSpan.FromMinutes(5));
        code.ShouldBe(0, output);
        output.ShouldContain("all cinderclient steps passed");
    }
}
