using BlockStore.Storage.Files;

namespace BlockStore.Storage.Backends;

/// <summary>
/// Volumes as sparse raw files in one directory (<see cref="FileVolumeStore"/>). There are no snapshots or
/// clones: those calls throw <see cref="NotSupportedException"/>, and the API refuses them before they get here.
/// </summary>
public sealed class FileVolumeBackend(string name, FileVolumeStore store) : IVolumeBackend
{
    private string Prefix => store.Prefix;

    /// <inheritdoc />
    public string Name => name;

    /// <summary>The directory that holds the volume files.</summary>
    public string Directory => store.Directory;

    /// <inheritdoc />
    public bool SupportsSnapshots => false;

    /// <inheritdoc />
    public async Task CreateAsync(string volume, long sizeBytes, CancellationToken cancellationToken)
    {
        try
        {
            await store.CreateAsync(IdOf(volume), sizeBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (VolumeAlreadyExistsException)
        {
            await ResizeAsync(volume, sizeBytes, cancellationToken).ConfigureAwait(false); // an earlier delivery got this far
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string volume, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(IdOf(volume), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task ResizeAsync(string volume, long sizeBytes, CancellationToken cancellationToken)
    {
        Guid id = IdOf(volume);
        if (new FileInfo(store.PathOf(id)) is { Exists: true } file && file.Length >= sizeBytes) return;
        await store.ResizeAsync(id, sizeBytes, allowShrink: false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IBlockDevice> OpenAsync(string volume, bool writable, CancellationToken cancellationToken) =>
        store.OpenAsync(IdOf(volume), readOnly: !writable, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// A file created in the folder and removed as it is closed (the folder exists and takes new files), then the
    /// statistics of the filesystem that holds it.
    /// </remarks>
    public Task<BackendCapacity> ProbeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string path = Path.Combine(store.Directory, $".probe-{Guid.NewGuid():N}");
        using (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
        {
        }

        var filesystem = new DriveInfo(store.Directory);
        return Task.FromResult(new BackendCapacity(filesystem.TotalSize, filesystem.AvailableFreeSpace));
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string volume, CancellationToken cancellationToken) => store.ExistsAsync(IdOf(volume), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Select(id => $"{Prefix}{id}").ToList();

    /// <inheritdoc />
    public Task CreateSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken) => throw NoSnapshots();

    /// <inheritdoc />
    public Task RevertToSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken) => throw NoSnapshots();

    /// <inheritdoc />
    /// <remarks>There are none, so there is nothing to remove.</remarks>
    public Task<bool> DeleteSnapshotAsync(string volume, string snapshot, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <inheritdoc />
    public Task CloneAsync(string parent, string snapshot, string child, long sizeBytes, CancellationToken cancellationToken) => throw NoSnapshots();

    /// <inheritdoc />
    public Task<int> CloneDepthAsync(string volume, CancellationToken cancellationToken) => Task.FromResult(0);

    /// <inheritdoc />
    /// <remarks>A file is never a clone, so there is nothing to copy in.</remarks>
    public Task FlattenAsync(string volume, IProgress<double>? percent, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    /// <remarks>Nothing waits for clones here; what a create killed before its rename left behind goes after an hour.</remarks>
    public Task<int> PurgeDeferredAsync(CancellationToken cancellationToken) => Task.FromResult(store.RemoveAbandonedCreates(TimeSpan.FromHours(1)));

    private NotSupportedException NoSnapshots() => new($"Backend '{name}' keeps volumes as plain files and has no snapshots or clones.");

    private Guid IdOf(string volume) =>
        volume.StartsWith(Prefix, StringComparison.Ordinal) && Guid.TryParseExact(volume.AsSpan(Prefix.Length), "D", out Guid id)
            ? id
            : throw new ArgumentException($"'{volume}' is not a name of this store ({Prefix}<uuid>).", nameof(volume));
}
