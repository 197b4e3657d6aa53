using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Core.Tests.Stack;

/// <summary>The context against the real PostgreSQL: what is written comes back the same, through the real schema.</summary>
public sealed class SqlRoundTripTests
{
    [Fact]
    public async Task A_volume_written_through_the_context_reads_back_the_same_from_a_new_context()
    {
        var now = new DateTime(2026, 11, 24, 8, 0, 0, 123, DateTimeKind.Utc).AddTicks(4560);
        var written = Volume.Create($"sql-{Guid.NewGuid():N}", "u", 3, "round trip", "déjà vu", Guid.NewGuid(), "ceph", "nova",
            new Dictionary<string, string> { ["k"] = "v" }, null, null, now);
        await using (var db = await StackSettings.DbAsync())
        {
            db.Volumes.Add(written);
            await db.SaveChangesAsync();
        }
        try
        {
            await using var db = await StackSettings.DbAsync();
            var read = await db.Volumes.AsNoTracking().SingleAsync(v => v.Id == written.Id);
            read.ProjectId.ShouldBe(written.ProjectId);
            read.Name.ShouldBe("round trip");
            read.Description.ShouldBe("déjà vu");
            read.Size.ShouldBe(3);
            read.Status.ShouldBe(VolumeStatus.Creating);
            read.Metadata.ShouldBe(new Dictionary<string, string> { ["k"] = "v" });
            read.CreatedAt.ShouldBe(now); // microseconds survive: Cinder's timestamps show them
            read.Version.ShouldNotBe(0u); // xmin, the concurrency token, is really mapped
            (await db.Database.SqlQuery<string>($"SELECT status AS \"Value\" FROM blockstore.volumes WHERE id = {written.Id}").SingleAsync())
                .ShouldBe("creating");
        }
        finally
        {
            await using var db = await StackSettings.DbAsync();
            await db.Volumes.Where(v => v.Id == written.Id).ExecuteDeleteAsync();
        }
    }
}
