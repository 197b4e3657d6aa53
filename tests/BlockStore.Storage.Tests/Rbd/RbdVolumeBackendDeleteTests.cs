using BlockStore.Rbd;
using BlockStore.Storage.Backends;

namespace BlockStore.Storage.Tests.Rbd;

/// <summary>
/// librbd will not remove an image that another client has open (EBUSY). A delete waits for the image to be
/// released, within the backend's busy grace, and then fails naming who holds it.
/// </summary>
public sealed class RbdVolumeBackendDeleteTests(CephPool ceph) : IClassFixture<CephPool>
{
    private const long MiB = 1 << 20;

    [Fact]
    public async Task A_delete_waits_for_a_client_that_has_the_image_open_to_close_it()
    {
        string name = await ceph.CreateAsync(8 * MiB);
        var holder = RbdImage.Open(ceph.Io, name);
        var backend = new RbdVolumeBackend("ceph", "volumes", ceph.Connection, busyGrace: TimeSpan.FromSeconds(20));

        var deleting = backend.DeleteAsync(name, CancellationToken.None);
        await Task.Delay(1500);
        deleting.IsCompleted.ShouldBeFalse("the image is open elsewhere, so the delete must still be waiting");
        holder.Dispose();

        (await deleting.WaitAsync(TimeSpan.FromSeconds(15))).ShouldBeTrue();
        (await backend.ExistsAsync(name, CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_delete_whose_image_stays_open_past_the_grace_fails_busy_and_names_the_watcher()
    {
        string name = await ceph.CreateAsync(8 * MiB);
        using var holder = RbdImage.Open(ceph.Io, name);
        var watcher = holder.ListWatchers().ShouldHaveSingleItem().Address;
        var backend = new RbdVolumeBackend("ceph", "volumes", ceph.Connection, busyGrace: TimeSpan.FromSeconds(2));

        var started = DateTime.UtcNow;
        var busy = await Should.ThrowAsync<RbdBusyException>(() => backend.DeleteAsync(name, CancellationToken.None));

        (DateTime.UtcNow - started).ShouldBeInRange(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        busy.Message.ShouldContain(watcher);
        (await backend.ExistsAsync(name, CancellationToken.None)).ShouldBeTrue("nothing may be removed while the image is open");
    }

    /// <remarks>
    /// Every object holds data, so that a remove has objects to trim: librbd 16 aborted the process when one delivery's
    /// rbd_remove removed the header while another's was trimming (the trim lost its lock; TrimRequest asserts).
    /// </remarks>
    [Fact]
    public async Task Deliveries_that_delete_one_volume_at_the_same_time_all_succeed()
    {
        for (int round = 0; round < 16; round++)
        {
            string name = await ceph.CreateAsync(64 * MiB);
            using (var image = RbdImage.Open(ceph.Io, name))
            {
                for (long offset = 0; offset < 64 * MiB; offset += 4 * MiB) image.Write((ulong)offset, new byte[] { 1 });
            }
            var deletes = Enumerable.Range(0, 8).Select(_ => Task.Run(() => ceph.Backend.DeleteAsync(name, CancellationToken.None)));

            (await Task.WhenAll(deletes)).ShouldAllBe(removed => removed);
            (await ceph.Backend.ExistsAsync(name, CancellationToken.None)).ShouldBeFalse();
        }
    }
}
