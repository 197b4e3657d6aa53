using BlockStore.Storage.Backends;
using BlockStore.Storage.Files;
using BlockStore.Storage.Images;
using BlockStore.Storage.Rbd;
using BlockStore.Storage.Tests.Support;
using Microsoft.Extensions.Options;
using RbdPool = BlockStore.Rbd.Rbd;

namespace BlockStore.Storage.Tests.Images;

/// <summary>
/// The images pool against the real cluster (the stack's environment): raw streams written sparse, qcow2
/// converted to exactly what qemu-img gives, and the copy path into a file device for backends that cannot clone.
/// </summary>
public sealed class ImagePoolTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly List<string> _made = [];
    private CephConnection _ceph = null!;

    public async Task InitializeAsync()
    {
        string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException($"{name} is not set; run eval \"$(scripts/stack env)\" first.");
        _ceph = new CephConnection(Options.Create(new CephOptions { User = Env("Ceph__User"), ConfFile = Env("Ceph__ConfFile"), Keyring = Env("Ceph__Keyring") }));
        await _ceph.GetAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        var pool = Pool();
        foreach (var name in _made) await pool.DeleteAsync(name, CancellationToken.None);
        await _ceph.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_raw_stream_of_unknown_length_is_written_sparse_and_cut_to_its_length()
    {
        var pool = Pool(new ImageOptions { ChunkSize = 1 << 20, ChunksInFlight = 3 });
        var data = new byte[(9 << 20) + 4097];
        FileFacts.RandomBytes(1 << 20, 1).CopyTo(data, 0);
        FileFacts.RandomBytes((1 << 20) + 4097, 2).CopyTo(data, 8 << 20);
        long observed = 0;

        var size = await pool.ImportRawAsync(Name(), new ChunkedStream(data), null, b => observed += b.Length, CancellationToken.None);

        size.ShouldBe(data.Length);
        observed.ShouldBe(data.Length);
        await using var device = RbdBlockDevice.Open(await pool.IoAsync(CancellationToken.None), _made[^1], writable: false);
        device.Size.ShouldBe(data.Length);
        var read = new byte[data.Length];
        await device.ReadAsync(0, read);
        read.AsSpan().SequenceEqual(data).ShouldBeTrue();
        var extents = await device.GetAllocatedExtentsAsync(0).ToListAsync();
        extents.ShouldAllBe(e => e.End <= (4 << 20) || e.Offset >= (8 << 20), "the zero megabytes in the middle were not written");
    }

    [Fact]
    public async Task A_stream_over_the_limit_is_refused_as_too_large()
    {
        var pool = Pool(new ImageOptions { ChunkSize = 1 << 20, MaxUploadBytes = 3 << 20 });
        var raw = await Should.ThrowAsync<ImageDataException>(() =>
            pool.ImportRawAsync(Name(), new ChunkedStream(new byte[(3 << 20) + 1]), null, _ => { }, CancellationToken.None));
        raw.TooLarge.ShouldBeTrue();
        var qcow2 = await Should.ThrowAsync<ImageDataException>(() =>
            pool.ImportQcow2Async(Name(), new ChunkedStream(new byte[(3 << 20) + 1]), _ => { }, CancellationToken.None));
        qcow2.TooLarge.ShouldBeTrue();
        var spoolFull = Pool(new ImageOptions { SpoolCapacityBytes = 1 << 20 });
        (await Should.ThrowAsync<ImageDataException>(() =>
            spoolFull.ImportQcow2Async(Name(), new ChunkedStream(new byte[2 << 20]), _ => { }, CancellationToken.None))).Message.ShouldContain("spool");
    }

    [Theory]
    [InlineData("cluster_size=4096", false)]
    [InlineData("cluster_size=65536", true)]
    [InlineData("cluster_size=2097152,compat=0.10", false)]
    public async Task A_qcow2_upload_converts_to_exactly_what_qemu_img_convert_gives(string options, bool compressed)
    {
        var qcow2 = _temp.File("image.qcow2");
        Qemu.Img("create", "-q", "-f", "qcow2", "-o", options, qcow2, "24M");
        Qemu.Io(qcow2, "write -P 0x61 0 100k", "write -P 0x62 5M 3M", "write -z 6M 64k", "write -P 0x63 23M 1M");
        if (compressed)
        {
            Qemu.Img("convert", "-c", "-O", "qcow2", qcow2, qcow2 + ".c");
            File.Move(qcow2 + ".c", qcow2, overwrite: true);
        }
        var oracle = _temp.File("oracle.raw");
        Qemu.Img("convert", "-O", "raw", qcow2, oracle);

        var pool = Pool();
        await using (var upload = File.OpenRead(qcow2))
        {
            var (size, virtualSize, _) = await pool.ImportQcow2Async(Name(), upload, _ => { }, CancellationToken.None);
            size.ShouldBe(new FileInfo(qcow2).Length);
            virtualSize.ShouldBe(24L << 20);
        }

        var converted = _temp.File("converted.raw");
        await using (var device = RbdBlockDevice.Open(await pool.IoAsync(CancellationToken.None), _made[^1], writable: false))
        {
            var bytes = new byte[device.Size];
            await device.ReadAsync(0, bytes);
            await File.WriteAllBytesAsync(converted, bytes);
        }
        FileFacts.Sha256(converted).ShouldBe(FileFacts.Sha256(oracle));
        var name = _made[^1];
        Directory.EnumerateFiles(new ImageOptions().SpoolDirectory).ShouldNotContain(f => f.Contains(name), "the spool file is gone");
    }

    [Fact]
    public async Task An_image_is_copied_sparse_into_a_file_device_for_a_backend_that_cannot_clone()
    {
        var pool = Pool();
        var data = new byte[6 << 20];
        FileFacts.RandomBytes(1 << 20, 3).CopyTo(data, 0);
        FileFacts.RandomBytes(1 << 20, 4).CopyTo(data, 5 << 20);
        await pool.ImportRawAsync(Name(), new MemoryStream(data), data.Length, _ => { }, CancellationToken.None);
        await pool.SealAsync(_made[^1], CancellationToken.None);

        var store = new FileVolumeStore(_temp.Path);
        var volume = Guid.NewGuid();
        await store.CreateAsync(volume, 1L << 30);
        await using (var destination = await store.OpenAsync(volume))
        {
            var result = await pool.CopyToAsync(_made[^1], destination, CancellationToken.None);
            result.Completed.ShouldBeTrue();
        }

        await using var copy = await store.OpenAsync(volume, readOnly: true);
        var head = new byte[data.Length];
        await copy.ReadAsync(0, head);
        head.AsSpan().SequenceEqual(data).ShouldBeTrue();
        FileFacts.AllocatedBytes(store.PathOf(volume)).ShouldBeLessThan(4L << 20 << 1, "zeroes stay holes");
    }

    private ImagePool Pool(ImageOptions? options = null) => new(Options.Create(options ?? new ImageOptions()), _ceph);

    private string Name()
    {
        var name = $"storage-test-{Guid.NewGuid():N}";
        _made.Add(name);
        return name;
    }

    /// <summary>A stream that hands out at most 100,000 bytes per read, as a network body does.</summary>
    private sealed class ChunkedStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 100_000)], cancellationToken);
    }
}
