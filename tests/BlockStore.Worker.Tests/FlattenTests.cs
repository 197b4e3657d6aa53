using System.Text.Json;
using BlockStore.Core.Jobs;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Tests;

/// <summary>A clone past <c>Volumes:MaxCloneDepth</c> is detached from its parent by a background flatten job.</summary>
[Collection(StackCollection.Name)]
public sealed class FlattenTests(LifecycleFixture stack)
{
    [Fact]
    public async Task A_clone_past_the_clone_depth_is_flattened_in_the_background_and_its_job_ends_at_100_percent()
    {
        await stack.RestartWorkerAsync(new Dictionary<string, string> { ["Volumes__MaxCloneDepth"] = "1" });
        try
        {
            using var client = stack.Client(Guid.NewGuid().ToString("N"));
            var root = await LifecycleFixture.CreateVolumeAsync(client);
            (await LifecycleFixture.WaitSettledAsync(client, 1, TimeSpan.FromSeconds(60)))[root].ShouldBe("available");
            var child = await LifecycleFixture.CreateVolumeAsync(client, sourceVolId: root);
            (await LifecycleFixture.WaitSettledAsync(client, 2, TimeSpan.FromSeconds(60)))[child].ShouldBe("available");
            var grandchild = await LifecycleFixture.CreateVolumeAsync(client, sourceVolId: child);
            (await LifecycleFixture.WaitSettledAsync(client, 3, TimeSpan.FromSeconds(60)))[grandchild].ShouldBe("available");

            // Depth 1 is allowed: the child keeps its parent. The grandchild, at depth 2, loses its parent.
            (await ParentAsync(child)).ShouldBe($"volume-{root}");
            for (var i = 0; await ParentAsync(grandchild) is not null; i++)
            {
                i.ShouldBeLessThan(120, "the grandchild should be flattened within a minute");
                await Task.Delay(500);
            }
            await using var db = StackEnvironment.NewDb();
            Job job = null!;
            for (var i = 0; (job = await db.Jobs.AsNoTracking().SingleAsync(j => j.VolumeId == grandchild && j.Kind == Job.FlattenKind)).State != JobState.Succeeded; i++)
            {
                i.ShouldBeLessThan(60, $"the flatten job should succeed; it is {job.State}");
                await Task.Delay(500);
            }
            job.Progress.ShouldBe(100);
            (await db.Jobs.AnyAsync(j => j.VolumeId == child && j.Kind == Job.FlattenKind)).ShouldBeFalse();

            foreach (var id in new[] { grandchild, child, root }) (await client.DeleteAsync($"volumes/{id}")).EnsureSuccessStatusCode();
        }
        finally
        {
            await stack.RestartWorkerAsync();
        }
    }

    /// <summary>The image the volume's image hangs from, as client.blockstore sees it; null when it has none.</summary>
    private static async Task<string?> ParentAsync(Guid volume)
    {
        var (code, info) = await StackEnvironment.RunAsync("rbd", $"info --format json volumes/volume-{volume}");
        code.ShouldBe(0, info);
        return JsonDocument.Parse(info).RootElement.TryGetProperty("parent", out var parent) ? parent.GetProperty("image").GetString() : null;
    }
}
