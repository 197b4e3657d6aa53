using System.Globalization;
using BlockStore.Storage.Interop;
using Microsoft.Win32.SafeHandles;

namespace BlockStore.Storage.Files;

/// <summary>
/// The file backend: each volume is a sparse raw file named <c>volume-&lt;id&gt;</c> in one directory.
/// </summary>
/// <remarks>
/// Creation is atomic: the file is sized and synced under a hidden temporary name, renamed into place
/// without replacing anything, and the directory is synced, so after a crash a volume is either whole
/// or absent. Leftover temporary files start with <c>.volume-</c> and are never listed.
/// </remarks>
public sealed class FileVolumeStore : IVolumeStore
{
    private const string VolumePrefix = "volume-";
    private const UnixFileMode VolumeFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a store over a directory, creating the directory if needed.</summary>
    /// <param name="directory">Where the volume files live.</param>
    /// <param name="prefix">What each file's name starts with, before the id: <c>volume-</c>, or <c>backup-</c> in a backup store.</param>
    public FileVolumeStore(string directory, string prefix = VolumePrefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Prefix = prefix;
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The directory that holds the volume files.</summary>
    public string Directory { get; }

    /// <summary>What each file's name starts with, before the id.</summary>
    public string Prefix { get; }

    /// <summary>The path of a volume's file, whether or not it exists.</summary>
    /// <param name="volumeId">The volume's id.</param>
    public string PathOf(Guid volumeId) => Path.Combine(Directory, NameOf(volumeId));

    /// <inheritdoc />
    public Task CreateAsync(Guid volumeId, long size, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(() => Create(volumeId, size), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IBlockDevice> OpenAsync(Guid volumeId, bool readOnly = false, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult<IBlockDevice>(FileBlockDevice.Open(PathOf(volumeId), writable: !readOnly, directIo: true));
        }
        catch (FileNotFoundException e)
        {
            throw new VolumeNotFoundException(volumeId, e);
        }
    }

    /// <inheritdoc />
    public Task ResizeAsync(Guid volumeId, long newSize, bool allowShrink = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newSize);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(() => Resize(volumeId, newSize, allowShrink), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(Guid volumeId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(() => Delete(volumeId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(Guid volumeId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(PathOf(volumeId)));
    }

    /// <summary>
    /// Removes the temporary files of creates that died before their rename (a process killed half-way), once they
    /// are older than <paramref name="olderThan"/>: a create in progress keeps its file for well under a second.
    /// </summary>
    /// <returns>How many were removed.</returns>
    public int RemoveAbandonedCreates(TimeSpan olderThan)
    {
        int removed = 0;
        DateTime before = DateTime.UtcNow - olderThan;
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, $".{Prefix}*.tmp"))
        {
            if (File.GetLastWriteTimeUtc(path) < before)
            {
                File.Delete(path);
                removed++;
            }
        }

        return removed;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Guid>> ListAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ids = new List<Guid>();
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*"))
        {
            string name = Path.GetFileName(path);
            if (Guid.TryParseExact(name.AsSpan(Prefix.Length), "D", out Guid id) && name == NameOf(id))
            {
                ids.Add(id);
            }
        }

        return Task.FromResult<IReadOnlyList<Guid>>(ids);
    }

    /// <summary>The file that holds a volume, in a volume backend's directory.</summary>
    public static string FileNameOf(Guid volumeId) => VolumePrefix + volumeId.ToString("D", CultureInfo.InvariantCulture);

    private string NameOf(Guid id) => Prefix + id.ToString("D", CultureInfo.InvariantCulture);

    private void Create(Guid volumeId, long size)
    {
        string path = PathOf(volumeId);
        if (File.Exists(path))
        {
            throw new VolumeAlreadyExistsException(volumeId);
        }

        // Same directory as the target, so the rename is atomic.
        string temporary = Path.Combine(Directory, $".{NameOf(volumeId)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = VolumeFileMode; // tenant data: owner only
            }

            using (var file = new FileStream(temporary, options))
            {
                RandomAccess.SetLength(file.SafeFileHandle, size);
                RandomAccess.FlushToDisk(file.SafeFileHandle);
            }

            // Without overwrite, .NET moves by link+unlink, which fails rather than replace a volume
            // that appeared since the check above.
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException e) when (File.Exists(path))
        {
            File.Delete(temporary);
            throw new VolumeAlreadyExistsException(volumeId, e);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        SyncDirectory();
    }

    private void Resize(Guid volumeId, long newSize, bool allowShrink)
    {
        string path = PathOf(volumeId);
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            long current = RandomAccess.GetLength(handle);
            if (newSize < current && !allowShrink)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(newSize), $"Volume {volumeId} is {current} bytes; shrinking it to {newSize} would drop data.");
            }

            RandomAccess.SetLength(handle, newSize);
            RandomAccess.FlushToDisk(handle);
        }
        catch (FileNotFoundException e)
        {
            throw new VolumeNotFoundException(volumeId, e);
        }
    }

    private bool Delete(Guid volumeId)
    {
        string path = PathOf(volumeId);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        SyncDirectory();
        return true;
    }

    /// <summary>Makes a rename or an unlink in the directory durable.</summary>
    private void SyncDirectory()
    {
        using SafeFileHandle directory = Libc.open(Directory, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (directory.IsInvalid)
        {
            throw Libc.Error("open", Directory);
        }

        if (Libc.fsync(directory) != 0)
        {
            throw Libc.Error("fsync", Directory);
        }
    }
}
