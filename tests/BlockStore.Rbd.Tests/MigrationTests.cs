namespace BlockStore.Rbd.Tests;

[Collection(CephCollection.Name)]
public sealed class MigrationTests(CephFixture ceph)
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public async Task Live_migration_moves_an_image_to_another_pool()
    {
        string name = CephFixture.UniqueName("migrate");
        byte[] data = IoTests.RandomBytes(64 * 1024, seed: 7);
        Rbd.Create(ceph.Images, name, 16 * MiB);
        using (RbdImage source = RbdImage.Open(ceph.Images, name))
        {
            await source.WriteAsync(3 * MiB, data);
        }

        using var destination = new TestImage(ceph.Volumes, name);
        Rbd.MigrationPrepare(ceph.Images, name, ceph.Volumes, name);

        RbdMigrationStatus prepared = Rbd.MigrationStatus(ceph.Volumes, name);
        prepared.State.ShouldBe(RbdMigrationState.Prepared);
        prepared.SourcePoolId.ShouldBe(ceph.Images.PoolId);
        prepared.DestinationPoolId.ShouldBe(ceph.Volumes.PoolId);
        prepared.SourceImageName.ShouldBe(name);
        prepared.DestinationImageName.ShouldBe(name);

        var reports = new List<RbdProgress>();
        await Rbd.MigrationExecuteAsync(ceph.Volumes, name, new SyncProgress<RbdProgress>(reports.Add));
        Rbd.MigrationStatus(ceph.Volumes, name).State.ShouldBe(RbdMigrationState.Executed);
        reports[^1].Percent.ShouldBe(100);

        await Rbd.MigrationCommitAsync(ceph.Volumes, name);

        Should.Throw<RbdException>(() => Rbd.MigrationStatus(ceph.Volumes, name)).ErrorCode.ShouldBe(22);
        Should.Throw<RbdNotFoundException>(() => RbdImage.Open(ceph.Images, name));
        using RbdImage migrated = destination.Open();
        byte[] read = new byte[data.Length];
        await migrated.ReadAsync(3 * MiB, read);
        read.AsSpan().SequenceEqual(data).ShouldBeTrue();
    }

    [Fact]
    public async Task Aborting_a_migration_restores_the_source()
    {
        using TestImage source = ceph.CreateImage(ceph.Images, 8 * MiB, prefix: "migrate");
        Rbd.MigrationPrepare(ceph.Images, source.Name, ceph.Volumes, source.Name);
        Should.Throw<RbdNotFoundException>(() => source.Open());

        await Rbd.MigrationAbortAsync(ceph.Volumes, source.Name);

        using RbdImage restored = source.Open();
        restored.GetSize().ShouldBe(8 * MiB);
        Should.Throw<RbdNotFoundException>(() => RbdImage.Open(ceph.Volumes, source.Name));
    }

    [Fact]
    public async Task An_import_only_migration_reads_a_raw_file()
    {
        string file = Path.Combine(Path.GetTempPath(), $"rbdtest-{Guid.NewGuid():N}.raw");
        byte[] data = IoTests.RandomBytes((int)(4 * MiB), seed: 8);
        await File.WriteAllBytesAsync(file, data);
        try
        {
            string name = CephFixture.UniqueName("import");
            using var imported = new TestImage(ceph.Volumes, name);
            string spec = $$$"""{"type":"raw","stream":{"type":"file","file_path":"{{{file}}}"}}""";

            Rbd.MigrationPrepareImport(spec, ceph.Volumes, name);
            await Rbd.MigrationExecuteAsync(ceph.Volumes, name);
            await Rbd.MigrationCommitAsync(ceph.Volumes, name);

            using RbdImage image = imported.Open();
            image.GetSize().ShouldBe(4 * MiB);
            byte[] read = new byte[data.Length];
            (await image.ReadAsync(0, read)).ShouldBe(data.Length);
            read.AsSpan().SequenceEqual(data).ShouldBeTrue();
        }
        finally
        {
            File.Delete(file);
        }
    }
}
