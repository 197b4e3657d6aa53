using BlockStore.Storage.Files;
using BlockStore.Storage.Tests.Support;

namespace BlockStore.Storage.Tests.Files;

public sealed class FileVolumeStoreTests : IDisposable
{
    private const long GiB = 1L << 30;
    private readonly TempDirectory _temp = new();
    private readonly FileVolumeStore _store;

    public FileVolumeStoreTests() => _store = new FileVolumeStore(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_new_volume_is_a_sparse_file_of_the_asked_size_named_after_its_id()
    {
        var id = Guid.NewGuid();

        await _store.CreateAsync(id, 10 * GiB);

        string path = _temp.File($"volume-{id}");
        new FileInfo(path).Length.ShouldBe(10 * GiB);
        FileFacts.AllocatedBytes(path).ShouldBe(0);
        Directory.GetFiles(_temp.Path).ShouldBe([path], "no temporary file is left behind");
        (await _store.ExistsAsync(id)).ShouldBeTrue();
    }

    [Fact]
    public async Task What_a_create_killed_before_its_rename_left_behind_is_removed_once_it_is_old_and_nothing_else()
    {
        var id = Guid.NewGuid();
        await _store.CreateAsync(id, GiB);
        string abandoned = _temp.File($".volume-{Guid.NewGuid()}.{Guid.NewGuid():N}.tmp");
        string recent = _temp.File($".volume-{Guid.NewGuid()}.{Guid.NewGuid():N}.tmp");
        string foreign = _temp.File("notes.tmp");
        foreach (var path in new[] { abandoned, recent, foreign }) await File.WriteAllTextAsync(path, "x");
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(foreign, DateTime.UtcNow.AddHours(-2));

        _store.RemoveAbandonedCreates(TimeSpan.FromHours(1)).ShouldBe(1);

        File.Exists(abandoned).ShouldBeFalse();
        File.Exists(recent).ShouldBeTrue("a create may still be writing it");
        File.Exists(foreign).ShouldBeTrue("not ours");
        (await _store.ListAsync()).ShouldBe([id]);
    }

    [Fact]
    public async Task Creating_a_volume_that_exists_is_refused_and_keeps_its_data()
    {
        var id = Guid.NewGuid();
        await _store.CreateAsync(id, 1 << 20);
        FileFacts.WriteRandom(_store.PathOf(id), 0, 4096, seed: 1);

        var error = await Should.ThrowAsync<VolumeAlreadyExistsException>(() => _store.CreateAsync(id, 2 << 20));

        error.VolumeId.ShouldBe(id);
        new FileInfo(_store.PathOf(id)).Length.ShouldBe(1 << 20);
        FileFacts.AllocatedBytes(_store.PathOf(id)).ShouldBeGreaterThan(0);
        Directory.GetFiles(_temp.Path).Length.ShouldBe(1);
    }

    [Fact]
    public async Task A_volume_grows_and_the_new_space_is_a_hole()
    {
        var id = Guid.NewGuid();
        await _store.CreateAsync(id, 1 << 20);

        await _store.ResizeAsync(id, 1 * GiB);

        await using IBlockDevice device = await _store.OpenAsync(id);
        device.Size.ShouldBe(1 * GiB);
        FileFacts.AllocatedBytes(_store.PathOf(id)).ShouldBe(0);
    }

    [Fact]
    public async Task Shrinking_a_volume_is_refused_unless_asked_for()
    {
        var id = Guid.NewGuid();
        await _store.CreateAsync(id, 2 << 20);

        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => _store.ResizeAsync(id, 1 << 20));
        new FileInfo(_store.PathOf(id)).Length.ShouldBe(2 << 20);

        await _store.ResizeAsync(id, 1 << 20, allowShrink: true);
        new FileInfo(_store.PathOf(id)).Length.ShouldBe(1 << 20);
    }

    [Fact]
    public async Task Deleting_a_volume_removes_its_file_and_a_second_delete_is_a_no_op()
    {
        var id = Guid.NewGuid();
        await _store.CreateAsync(id, 1 << 20);

        (await _store.DeleteAsync(id)).ShouldBeTrue();
        (await _store.DeleteAsync(id)).ShouldBeFalse();

        (await _store.ExistsAsync(id)).ShouldBeFalse();
        File.Exists(_store.PathOf(id)).ShouldBeFalse();
    }

    [Fact]
    public async Task Opening_or_resizing_a_missing_volume_names_the_volume()
    {
        var id = Guid.NewGuid();

        (await Should.ThrowAsync<VolumeNotFoundException>(() => _store.OpenAsync(id))).VolumeId.ShouldBe(id);
        (await Should.ThrowAsync<VolumeNotFoundException>(() => _store.ResizeAsync(id, 1))).VolumeId.ShouldBe(id);
    }

    [Fact]
    public async Task Listing_returns_the_volumes_and_ignores_other_files()
    {
        Guid[] ids = [Guid.NewGuid(), Guid.NewGuid()];
        foreach (Guid id in ids)
        {
            await _store.CreateAsync(id, 4096);
        }

        await File.WriteAllTextAsync(_temp.File($".volume-{Guid.NewGuid()}.abc.tmp"), "left by a crash");
        await File.WriteAllTextAsync(_temp.File("volume-not-a-guid"), "");
        await File.WriteAllTextAsync(_temp.File("notes.txt"), "");

        (await _store.ListAsync()).ShouldBe(ids, ignoreOrder: true);
    }

    [Fact]
    public async Task A_read_only_volume_refuses_writes()
    {
        var id = Guid.NewGuid();
        await _store.CreateAsync(id, 1 << 20);
        await using IBlockDevice device = await _store.OpenAsync(id, readOnly: true);

        await Should.ThrowAsync<InvalidOperationException>(async () => await device.WriteAsync(0, new byte[512]));
    }
}
