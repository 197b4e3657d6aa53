using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Jobs;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>
/// A clone past <c>Volumes:MaxCloneDepth</c> is flattened by a background job; while it runs, the volume's body shows its
/// progress as <c>flatten_progress</c> (BlockStore's own field, docs/api.md), and the field goes with the job.
/// </summary>
public sealed class FlattenProgressTests : ApiTest
{
    [Fact]
    public async Task A_clone_being_flattened_shows_the_jobs_percent_until_the_job_ends()
    {
        var t = NewTenant();
        var source = await Host.VolumeAsync(t.ProjectId);
        var at = Seed.Now();
        var clone = Volume.Create(t.ProjectId, "seeder", 1, "deep", null, Host.DefaultTypeId, "ceph", "nova", null, null, source.Id, at);
        clone.MarkAvailable(at);
        var job = Job.Start(Job.FlattenKind, clone.Id, t.ProjectId, at);
        job.Claim("test", at);
        job.Report(40, null, at);
        await using (var db = Host.NewDb())
        {
            db.Volumes.Add(clone);
            db.Jobs.Add(job);
            await db.SaveChangesAsync();
        }

        var shown = (await t.Member.Get($"volumes/{clone.Id}")).Json.GetProperty("volume");
        shown.GetProperty("flatten_progress").GetProperty("percent").GetInt32().ShouldBe(40);
        // The source is no clone, and has no such field.
        (await t.Member.Get($"volumes/{source.Id}")).Json.GetProperty("volume").TryGetProperty("flatten_progress", out _).ShouldBeFalse();

        await using (var db = Host.NewDb())
        {
            var row = await db.Jobs.SingleAsync(j => j.Id == job.Id);
            row.Succeed(Seed.Now());
            await db.SaveChangesAsync();
        }
        (await t.Member.Get($"volumes/{clone.Id}")).Json.GetProperty("volume").TryGetProperty("flatten_progress", out _).ShouldBeFalse();
    }
}
