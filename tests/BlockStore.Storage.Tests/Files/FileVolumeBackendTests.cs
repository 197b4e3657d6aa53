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
