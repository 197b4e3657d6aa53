using BlockStore.Core.Data;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

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
    [Fact]
    public async Task A_row_batch_writes_the_same_row_as_the_change_tracker()
    {
        // Every column set, nullable and converted ones included (status names, jsonb, the migration status enum).
        var now = new DateTime(2026, 11, 25, 8, 0, 0, 123, DateTimeKind.Utc).AddTicks(4560);
        var project = $"sql-{Guid.NewGuid():N}";
        Volume Filled()
        {
            var v = Volume.Create(project, "u", 3, "batch", "déjà vu", Guid.NewGuid(), "ceph", "nova",
                new Dictionary<string, string> { ["k"] = "v", ["é"] = "\"q\"" }, Guid.NewGuid(), Guid.NewGuid(), now);
            v.SetImageSource(Guid.NewGuid(), new Dictionary<string, string> { ["disk_format"] = "raw" });
            v.MarkAvailable(now.AddSeconds(1));
            v.SetReadOnly(true, now.AddSeconds(2));
            v.BeginMigration("ceph-fast", retype: true, hasSnapshots: false, now.AddSeconds(3));
            return v;
        }
        var tracked = Filled();
        var batched = Filled();
        try
        {
            await using (var db = await StackSettings.DbAsync())
            {
                db.Volumes.Add(tracked);
                await db.SaveChangesAsync();
            }
            await using (var db = await StackSettings.DbAsync())
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(),
                    (NpgsqlTransaction)tx.GetDbTransaction());
                foreach (var command in new RowBatch(db).Add(batched).Commands) batch.BatchCommands.Add(command);
                await batch.ExecuteNonQueryAsync();
                await tx.CommitAsync();
            }

            await using var read = await StackSettings.DbAsync();
            var rows = await read.Database.SqlQuery<string>($"""
                SELECT (to_jsonb(v) - 'id' - 'snapshot_id' - 'source_volume_id' - 'image_id' - 'volume_type_id')::text AS "Value"
                FROM blockstore.volumes v WHERE project_id = {project} ORDER BY id
                """).ToListAsync();
            rows.Count.ShouldBe(2);
            rows[1].ShouldBe(rows[0]);
            rows[0].ShouldContain("\"status\": \"retyping\"");
            rows[0].ShouldContain("\"previous_status\": \"available\"");
            rows[0].ShouldContain("\"migration_status\": \"Starting\"");
            var back = await read.Volumes.AsNoTracking().SingleAsync(v => v.Id == batched.Id);
            back.Metadata.ShouldBe(batched.Metadata);
            back.SnapshotId.ShouldBe(batched.SnapshotId);
            back.ImageId.ShouldBe(batched.ImageId);
        }
        finally
        {
            await using var db = await StackSettings.DbAsync();
            await db.Volumes.Where(v => v.ProjectId == project).ExecuteDeleteAsync();
        }
    }
}
