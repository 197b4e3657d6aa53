using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Tests;

[Collection(StackCollection.Name)]
public sealed class ReconcilerTests(LifecycleFixture stack)
{
    [Fact]
    public async Task A_step_that_fails_on_every_pass_does_not_stop_the_orphan_sweep()
    {
        // A hidden snapshot of a volume on a backend that is not configured: purging it throws on every pass.
        var (volumeId, snapshotId) = (Guid.NewGuid(), Guid.NewGuid());
        await using var db = StackEnvironment.NewDb();
        await db.Database.ExecuteSqlAsync($$"""
            INSERT INTO blockstore.volumes (id, project_id, user_id, size, status, availability_zone, volume_type_id, backend, bootable,
                metadata, created_at, status_changed_at)
            VALUES ({{volumeId}}, 'reconciler-tests', 'u', 1, 'available', 'nova', {{Guid.NewGuid()}}, 'not-configured', false, '{}', now(), now())
            """);
        await db.Database.ExecuteSqlAsync($$"""
            INSERT INTO blockstore.snapshots (id, volume_id, project_id, user_id, size, status, metadata, hidden, created_at, status_changed_at)
            VALUES ({{snapshotId}}, {{volumeId}}, 'reconciler-tests', 'u', 1, 'deleting', '{}', true, now(), now())
            """);
        var orphan = $"volume-{Guid.NewGuid()}";
        try
        {
            // The log is JSON, where ' is written \u0027: match the step's name alone.
            await stack.Worker.WaitForLogAsync("purge hidden snapshots", TimeSpan.FromSeconds(30));
            var (made, output) = await StackEnvironment.RunAsync("rbd", $"create --size 1M volumes/{orphan}");
            made.ShouldBe(0, output);
            var until = DateTime.UtcNow.AddSeconds(30);
            while ((await LifecycleFixture.RbdImagesAsync()).Contains(orphan) && DateTime.UtcNow < until) await Task.Delay(500);
            (await LifecycleFixture.RbdImagesAsync()).ShouldNotContain(orphan, $"the orphan sweep should have removed it; worker log:\n{stack.Worker.Tail()}");
        }
        finally
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM blockstore.snapshots WHERE id = {snapshotId}");
            await db.Database.ExecuteSqlAsync($"DELETE FROM blockstore.volumes WHERE id = {volumeId}");
            await StackEnvironment.RunAsync("rbd", $"rm volumes/{orphan}");
        }
    }

    [Fact]
    public async Task Hidden_snapshots_that_must_stay_do_not_keep_the_ones_after_them_from_going()
    {
        // 101 hidden snapshots that no pass can remove (their volume's backend is not configured), ordered before one
        // that can go (its volume is on the file backend, which keeps no snapshots): one page of 100 never reaches it.
        var (stuckVolume, fileVolume, free) = (Guid.NewGuid(), Guid.NewGuid(), Guid.Parse($"ffffffff{Guid.NewGuid():N}"[..32]));
        await using var db = StackEnvironment.NewDb();
        await db.Database.ExecuteSqlAsync($$"""
            INSERT INTO blockstore.volumes (id, project_id, user_id, size, status, availability_zone, volume_type_id, backend, bootable,
                metadata, created_at, status_changed_at)
            VALUES ({{stuckVolume}}, 'reconciler-tests', 'u', 1, 'available', 'nova', {{Guid.NewGuid()}}, 'not-configured', false, '{}', now(), now()),
                   ({{fileVolume}}, 'reconciler-tests', 'u', 1, 'available', 'nova', {{Guid.NewGuid()}}, 'local', false, '{}', now(), now())
            """);
        try
        {
            await db.Database.ExecuteSqlAsync($$"""
                INSERT INTO blockstore.snapshots (id, volume_id, project_id, user_id, size, status, metadata, hidden, created_at, status_changed_at)
                SELECT ('00000000' || substr(md5(random()::text || g), 1, 24))::uuid, {{stuckVolume}}, 'reconciler-tests', 'u', 1, 'deleting', '{}'::jsonb,
                    true, now(), now()
                FROM generate_series(1, 101) g
                UNION ALL
                SELECT {{free}}, {{fileVolume}}, 'reconciler-tests', 'u', 1, 'deleting', '{}'::jsonb, true, now(), now()
                """);
            var until = DateTime.UtcNow.AddSeconds(60);
            while (await db.Snapshots.AnyAsync(s => s.Id == free) && DateTime.UtcNow < until) await Task.Delay(500);
            (await db.Snapshots.AnyAsync(s => s.Id == free)).ShouldBeFalse($"the purgeable hidden snapshot should be gone; worker log:\n{stack.Worker.Tail()}");
            (await db.Snapshots.CountAsync(s => s.VolumeId == stuckVolume)).ShouldBe(101);
        }
        finally
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM blockstore.snapshots WHERE volume_id = ANY({new[] { stuckVolume, fileVolume }})");
            await db.Database.ExecuteSqlAsync($"DELETE FROM blockstore.volumes WHERE id = ANY({new[] { stuckVolume, fileVolume }})");
        }
    }

    [Fact]
    public async Task A_volume_is_reported_lost_only_if_it_was_available_before_the_pool_was_listed()
    {
        // Neither row has an image. One has been available for an hour; the other turned available after this pass
        // listed the pool (its status time is ahead), as a volume created during the pass does, whose image the
        // listing could not see. They live on a backend of their own (an empty folder), so that no other test's rows
        // crowd them out of the log line, which names ten.
        var (lost, late) = (Guid.NewGuid(), Guid.NewGuid());
        var folder = Directory.CreateTempSubdirectory("blockstore-lost-test-");
        await using var db = StackEnvironment.NewDb();
        await db.Database.ExecuteSqlAsync($$"""
            INSERT INTO blockstore.volumes (id, project_id, user_id, size, status, availability_zone, volume_type_id, backend, bootable,
                metadata, created_at, status_changed_at)
            VALUES ({{lost}}, 'reconciler-tests', 'u', 1, 'available', 'nova', {{Guid.NewGuid()}}, 'lost-test', false, '{}', now(), now() - interval '1 hour'),
                   ({{late}}, 'reconciler-tests', 'u', 1, 'available', 'nova', {{Guid.NewGuid()}}, 'lost-test', false, '{}', now(), now() + interval '1 hour')
            """);
        try
        {
            await stack.RestartWorkerAsync(new Dictionary<string, string>
            {
                ["Backends__lost-test__Driver"] = "file",
                ["Backends__lost-test__Path"] = folder.FullName,
            });
            await stack.Worker.WaitForLogAsync(lost.ToString(), TimeSpan.FromSeconds(30));
            var logged = stack.Worker.Log;
            logged.ShouldContain("Backend lost-test: 1 available volumes have no image (lost)");
            logged.ShouldNotContain(late.ToString());
        }
        finally
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM blockstore.volumes WHERE id = ANY({new[] { lost, late }})");
            await stack.RestartWorkerAsync();
            folder.Delete(recursive: true);
        }
    }
}
