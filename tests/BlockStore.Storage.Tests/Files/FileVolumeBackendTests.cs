using BlockStore.Storage.Backends;
using BlockStore.Storage.Files;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Files;

public sealed class FileVolumeBackendTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FileVolumeBackend _backend;

    public FileVolumeBackendTests() => _backend = new FileVolumeBackend("local", new FileVolumeStore(_temp.Path));

    [Fact]
    public async Task Creating_twice_is_idempotent_and_grows_and_the_volume_opens_as_a_sparse_device()
    {
        string name = $"volume-{Guid.NewGuid()}";
        await _backend.CreateAsync(name, 1 << 20, default);
        await _backend.CreateAsync(name, 2 << 20, default);

        await using IBlockDevice device = await _backend.OpenAsync(name, writable: true, default);
        device.Size.ShouldBe(2 << 20);
        (await _backend.ListAsync(default)).ShouldBe([name]);
        (await _backend.ExistsAsync(name, default)).ShouldBeTrue();
        FileFacts.AllocatedBytes(Path.Combine(_temp.Path, name)).ShouldBe(0);
    }

    [Fact]
    public async Task A_store_with_its_own_prefix_names_its_files_so_and_leaves_the_volumes_beside_it_alone()
    {
        var backups = new FileVolumeBackend("backups", new FileVolumeStore(_temp.Path, "backup-"));
        string volume = $"volume-{Guid.NewGuid()}", backup = $"backup-{Guid.NewGuid()}";
        await _backend.CreateAsync(volume, 1 << 20, default);
        await backups.CreateAsync(backup, 1 << 20, default);

        File.Exists(Path.Combine(_temp.Path, backup)).ShouldBeTrue();
        (await backups.ListAsync(default)).ShouldBe([backup]);
        (await _backend.ListAsync(default)).ShouldBe([volume]);
        await Should.ThrowAsync<ArgumentException>(() => backups.OpenAsync(volume, writable: false, default));
        (await backups.DeleteAsync(backup, default)).ShouldBeTrue();
        (await _backend.ExistsAsync(volume, default)).ShouldBeTrue();
    }

    [Fact]
    public async Task Snapshots_and_clones_are_refused_and_deleting_what_is_gone_succeeds()
    {
        string name = $"volume-{Guid.NewGuid()}";
        await _backend.CreateAsync(name, 1 << 20, default);

        await Should.ThrowAsync<NotSupportedException>(() => _backend.CreateSnapshotAsync(name, "s", default));
        await Should.ThrowAsync<NotSupportedException>(() => _backend.CloneAsync(name, "s", $"volume-{Guid.NewGuid()}", 1 << 20, default));
        (await _backend.DeleteAsync(name, default)).ShouldBeTrue();
        (await _backend.DeleteAsync(name, default)).ShouldBeTrue();
        (await _backend.ExistsAsync(name, default)).ShouldBeFalse();
    }

    public void Dispose() => _temp.Dispose();
}
