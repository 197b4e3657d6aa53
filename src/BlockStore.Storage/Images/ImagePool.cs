using System.Buffers;
using BlockStore.Rbd;
using BlockStore.Storage.Backends;
using BlockStore.Storage.Copy;
using BlockStore.Storage.Qcow2;
using BlockStore.Storage.Rbd;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;
using RbdPool = BlockStore.Rbd.Rbd;

namespace BlockStore.Storage.Images;

/// <summary>
/// The images pool. An image's data is a raw RBD image named after it, with one protected snapshot
/// (<see cref="Snapshot"/>) that volumes are cloned from. However it arrives (a raw stream, a spooled
/// qcow2 file, a volume), it is written once here, and every volume after that is a clone.
/// </summary>
/// <remarks>
/// Removal, hiding and snapshot protection are those of <see cref="RbdVolumeBackend"/>: an image whose
/// snapshot still has clones is renamed with <see cref="RbdVolumeBackend.HiddenPrefix"/> and removed by
/// <see cref="PurgeDeferredAsync"/> once the clones are gone or flattened.
/// </remarks>
public sealed class ImagePool
{
    /// <summary>The protected snapshot every volume from an image is cloned from.</summary>
    public const string Snapshot = "snap";

    private readonly ImageOptions _options;
    private readonly RbdVolumeBackend _pool;

    /// <summary>Creates the pool's client over the process's Ceph connection.</summary>
    public ImagePool(IOptions<ImageOptions> options, CephConnection ceph)
    {
        _options = options.Value;
        _pool = new RbdVolumeBackend("images", _options.Pool, ceph);
    }

    /// <summary>The pool's name.</summary>
    public string PoolName => _options.Pool;

    /// <summary>The pool's I/O context.</summary>
    public Task<IoContext> IoAsync(CancellationToken cancellationToken) => _pool.IoAsync(cancellationToken);

    /// <summary>
    /// Writes a raw upload into image <paramref name="name"/>: sparse, with async writes, and at most
    /// <see cref="ImageOptions.MaxUploadBytes"/> bytes. Every byte is shown to <paramref name="observe"/>.
    /// </summary>
    /// <returns>The number of bytes the stream had: the image's size.</returns>
    /// <exception cref="ImageDataException">The stream is longer than the limit.</exception>
    public async Task<long> ImportRawAsync(string name, Stream input, long? expectedLength, Action<ReadOnlyMemory<byte>> observe, CancellationToken cancellationToken)
    {
        await _pool.CreateAsync(name, Math.Max(expectedLength ?? 0, _options.ChunkSize), cancellationToken).ConfigureAwait(false);
        using var image = RbdImage.Open(await IoAsync(cancellationToken).ConfigureAwait(false), name);
        var writer = new RawImageWriter(image, _options.ChunkSize, _options.ChunksInFlight, 4096);
        return await writer.WriteAsync(input, _options.MaxUploadBytes, observe, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Spools a qcow2 upload (qcow2 needs random access) into the bounded spool area, then converts it,
    /// once, into a raw sparse image <paramref name="name"/> with the qcow2 reader and the block copier:
    /// holes stay holes and memory stays bounded. Every byte is shown to <paramref name="observe"/>.
    /// </summary>
    /// <returns>The number of bytes uploaded, the virtual size (the size of the raw image), and how long the conversion alone took.</returns>
    /// <exception cref="ImageDataException">
    /// The upload is too large or the spool area full, the file is not a qcow2 image we accept, it
    /// declares too large a disk, or converting it took too long.
    /// </exception>
    public async Task<(long Size, long VirtualSize, TimeSpan Conversion)> ImportQcow2Async(string name, Stream input, Action<ReadOnlyMemory<byte>> observe, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_options.SpoolDirectory);
        var path = Path.Combine(_options.SpoolDirectory, $"{name}.{Guid.NewGuid():N}.qcow2");
        using var spool = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous);
        // Unlinked at once: the open handle keeps the data, and nothing is left behind whatever happens to the process.
        File.Delete(path);
        long size = 0;
        try
        {
            size = await SpoolAsync(input, spool, observe, cancellationToken).ConfigureAwait(false);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var virtualSize = await ConvertQcow2Async(name, spool, cancellationToken).ConfigureAwait(false);
            return (size, virtualSize, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            Interlocked.Add(ref _spooled, -size);
        }
    }

    private long _spooled;

    /// <summary>Copies the upload into the spool file, reserving spool capacity as it grows; on failure what was reserved is given back.</summary>
    private async Task<long> SpoolAsync(Stream input, SafeFileHandle spool, Action<ReadOnlyMemory<byte>> observe, CancellationToken cancellationToken)
    {
        long reserved = 0;
        try
        {
            return await new ChunkPipeline(_options.ChunkSize, _options.ChunksInFlight).RunAsync(input, _options.MaxUploadBytes, observe,
                end =>
                {
                    long more = end - reserved;
                    if (Interlocked.Add(ref _spooled, more) > _options.SpoolCapacityBytes)
                    {
                        Interlocked.Add(ref _spooled, -more);
                        throw new ImageDataException("The spool area for qcow2 uploads is full; try again later.", tooLarge: true);
                    }
                    reserved = end;
                    return Task.CompletedTask;
                },
                (offset, chunk) => RandomAccess.WriteAsync(spool, chunk, offset, cancellationToken).AsTask(),
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Add(ref _spooled, -reserved);
            throw;
        }
    }

    private async Task<long> ConvertQcow2Async(string name, SafeFileHandle spool, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ConversionTimeout);
        try
        {
            var reader = await Qcow2Reader.OpenAsync(spool, deadline.Token).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            if (reader.Size > _options.MaxVirtualSizeBytes)
                throw new ImageDataException($"The qcow2 image declares a disk of {reader.Size} bytes, more than the limit of {_options.MaxVirtualSizeBytes}.", tooLarge: true);
            return await ImportDeviceAsync(reader, name, _options.VerifyConversion, deadline.Token).ConfigureAwait(false);
        }
        catch (Qcow2FormatException ex)
        {
            throw new ImageDataException($"The qcow2 image cannot be converted: {ex.Message}", innerException: ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImageDataException($"Converting the qcow2 image took longer than {_options.ConversionTimeout}.", innerException: ex);
        }
    }

    /// <summary>The prefix of the snapshot an upload takes of its volume, for as long as the copy runs.</summary>
    public const string VolumeSnapshotPrefix = "image-";

    /// <summary>
    /// Copies a volume's data into image <paramref name="name"/> without leaving a tie between them: a
    /// protected snapshot of the volume is cloned into the images pool, the clone is flattened, and the
    /// snapshot goes. Every step is idempotent, so a redelivered command finishes the work.
    /// </summary>
    /// <returns>The image's size in bytes.</returns>
    public async Task<long> ImportVolumeAsync(RbdVolumeBackend source, string volume, string name, CancellationToken cancellationToken)
    {
        var volumeSnapshot = $"{VolumeSnapshotPrefix}{name}";
        var io = await IoAsync(cancellationToken).ConfigureAwait(false);
        bool cloned = true;
        try
        {
            using var existing = RbdImage.Open(io, name, readOnly: true);
        }
        catch (RbdNotFoundException)
        {
            cloned = false;
        }

        if (!cloned)
        {
            await source.CreateSnapshotAsync(volume, volumeSnapshot, cancellationToken).ConfigureAwait(false);
            try
            {
                RbdPool.Clone(await source.IoAsync(cancellationToken).ConfigureAwait(false), volume, volumeSnapshot, io, name, RbdVolumeBackend.CreateOptions);
            }
            catch (RbdExistsException)
            {
                // A concurrent delivery cloned it; the flatten below is idempotent.
            }
        }

        using (var image = RbdImage.Open(io, name))
        {
            if (image.GetParent() is not null) await image.FlattenAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await source.DeleteSnapshotAsync(volume, volumeSnapshot, cancellationToken).ConfigureAwait(false);
        using var done = RbdImage.Open(io, name, readOnly: true);
        return (long)done.GetSize();
    }

    /// <summary>
    /// Copies a volume of a backend outside the cluster (a file) into image <paramref name="name"/>: only its
    /// allocated extents are read, zero blocks are not written, every range is read back and compared, and the
    /// image is flushed. A second run copies again over the same image.
    /// </summary>
    /// <returns>The image's size: the source's.</returns>
    public Task<long> ImportDeviceAsync(IBlockSource source, string name, CancellationToken cancellationToken) =>
        ImportDeviceAsync(source, name, verify: true, cancellationToken);

    /// <summary>Copies any block source (a file volume, a qcow2 reader) into a new image of its size, and flushes it.</summary>
    private async Task<long> ImportDeviceAsync(IBlockSource source, string name, bool verify, CancellationToken cancellationToken)
    {
        await _pool.CreateAsync(name, source.Size, cancellationToken).ConfigureAwait(false);
        var destination = await _pool.OpenAsync(name, writable: true, cancellationToken).ConfigureAwait(false);
        await using var destinationScope = destination.ConfigureAwait(false);
        await Copier(verify).CopyAsync(source, destination, cancellationToken: cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return source.Size;
    }

    /// <summary>
    /// Streams the image's data (its snapshot, so what was sealed) into <paramref name="output"/> in order, in chunks of
    /// <see cref="ImageOptions.ChunkSize"/>, with up to <see cref="ImageOptions.ChunksInFlight"/> reads from Ceph in flight
    /// while the chunks before them are written: all of it, or the <paramref name="length"/> bytes from
    /// <paramref name="offset"/> on (a download's <c>Range</c>).
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="RbdNotFoundException">The image has no data in the pool.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the image.</exception>
    public async Task<long> ExportAsync(string name, Stream output, CancellationToken cancellationToken, long offset = 0, long? length = null)
    {
        var source = RbdBlockDevice.Open(await IoAsync(cancellationToken).ConfigureAwait(false), name, writable: false, Snapshot);
        await using var sourceScope = source.ConfigureAwait(false);
        var end = offset + (length ?? source.Size - offset);
        if (offset < 0 || end < offset || end > source.Size)
            throw new ArgumentOutOfRangeException(nameof(length), $"Bytes {offset} to {end} are not within the image's {source.Size}.");
        var chunk = (int)Math.Min(_options.ChunkSize, Math.Max(end - offset, 1));
        var reads = new Queue<(Task Read, byte[] Buffer, int Length)>();
        var next = offset;
        void ReadNext(byte[] buffer)
        {
            var count = (int)Math.Min(chunk, end - next);
            reads.Enqueue((source.ReadAsync(next, buffer.AsMemory(0, count), cancellationToken).AsTask(), buffer, count));
            next += count;
        }
        try
        {
            while (next < end && reads.Count < _options.ChunksInFlight) ReadNext(ArrayPool<byte>.Shared.Rent(chunk));
            while (reads.TryPeek(out var head))
            {
                await head.Read.ConfigureAwait(false);
                await output.WriteAsync(head.Buffer.AsMemory(0, head.Length), cancellationToken).ConfigureAwait(false);
                reads.Dequeue();
                if (next < end) ReadNext(head.Buffer);
                else ArrayPool<byte>.Shared.Return(head.Buffer);
            }
        }
        finally
        {
            // A client that went away leaves reads in flight: librbd must be done with them before the image closes and
            // the buffers go back.
            foreach (var (read, buffer, _) in reads)
            {
                await read.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        return end - offset;
    }

    /// <summary>Takes and protects the snapshot volumes are cloned from; the image is ready after this.</summary>
    public Task SealAsync(string name, CancellationToken cancellationToken) => _pool.CreateSnapshotAsync(name, Snapshot, cancellationToken);

    /// <summary>
    /// Makes a volume from the image: a copy-on-write clone of its snapshot, grown to <paramref name="sizeBytes"/>,
    /// in the volume backend's pool. O(1) in the image's size.
    /// </summary>
    public async Task CloneToAsync(string name, RbdVolumeBackend target, string volume, long sizeBytes, CancellationToken cancellationToken) =>
        await target.CloneAsync(await IoAsync(cancellationToken).ConfigureAwait(false), name, Snapshot, volume, sizeBytes, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Copies the image into a device of another kind of backend (a file), reading only the extents that
    /// hold data and leaving zeroes as holes. For a target that cannot be an RBD clone.
    /// </summary>
    public async Task<BlockCopyResult> CopyToAsync(string name, IBlockDevice destination, CancellationToken cancellationToken)
    {
        var source = RbdBlockDevice.Open(await IoAsync(cancellationToken).ConfigureAwait(false), name, writable: false, Snapshot);
        await using var sourceScope = source.ConfigureAwait(false);
        return await Copier(verify: true).CopyAsync(source, destination, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private BlockCopier Copier(bool verify) =>
        new(new BlockCopyOptions { ChunkSize = _options.ChunkSize, MaxChunksInFlight = _options.ChunksInFlight, Verify = verify });

    /// <summary>Removes the image's data, or hides it until the volumes cloned from it are gone; false when hidden.</summary>
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken) => _pool.DeleteAsync(name, cancellationToken);

    /// <summary>Names of the images in the pool, hidden ones excluded.</summary>
    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => _pool.ListAsync(cancellationToken);

    /// <summary>Removes hidden images whose clones are all gone; returns how many went.</summary>
    public Task<int> PurgeDeferredAsync(CancellationToken cancellationToken) => _pool.PurgeDeferredAsync(cancellationToken);
}
