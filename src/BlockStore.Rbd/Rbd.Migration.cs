using BlockStore.Rbd.Handles;
using BlockStore.Rbd.Interop;

namespace BlockStore.Rbd;

public static partial class Rbd
{
    /// <summary>
    /// Starts a live migration (<c>rbd_migration_prepare</c>): creates the destination image, linked
    /// to the source, and hides the source. The destination can be opened and used at once; data is
    /// copied by <see cref="MigrationExecuteAsync"/>, and <see cref="MigrationCommitAsync"/> or
    /// <see cref="MigrationAbortAsync"/> finish it. The source must not be open anywhere.
    /// </summary>
    /// <param name="sourceIoContext">The source's pool.</param>
    /// <param name="sourceName">The source image.</param>
    /// <param name="destinationIoContext">The destination's pool (may be the same).</param>
    /// <param name="destinationName">The destination image name (may be the same in another pool).</param>
    /// <param name="options">Options of the destination image; unset values are taken from the source.</param>
    public static void MigrationPrepare(
        IoContext sourceIoContext, string sourceName, IoContext destinationIoContext, string destinationName, RbdImageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sourceIoContext);
        ArgumentNullException.ThrowIfNull(destinationIoContext);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ArgumentException.ThrowIfNullOrEmpty(destinationName);
        using RbdImageOptionsHandle opts = RbdImageOptions.ToNative(options);
        RbdError.ThrowIfFailed(
            LibRbd.rbd_migration_prepare(sourceIoContext.Handle, sourceName, destinationIoContext.Handle, destinationName, opts),
            "rbd_migration_prepare",
            $"'{sourceIoContext.PoolName}/{sourceName}' -> '{destinationIoContext.PoolName}/{destinationName}'");
    }

    /// <summary>
    /// Starts an import-only live migration from an external source (<c>rbd_migration_prepare_import</c>),
    /// e.g. <c>{"type":"raw","stream":{"type":"file","file_path":"/path/disk.raw"}}</c> or a
    /// <c>qcow</c> source. The file is read by this process. Continue with
    /// <see cref="MigrationExecuteAsync"/> and <see cref="MigrationCommitAsync"/>.
    /// </summary>
    /// <param name="sourceSpec">The source spec JSON, as the <c>rbd migration prepare --import-only --source-spec</c> option takes it.</param>
    /// <param name="destinationIoContext">The destination's pool.</param>
    /// <param name="destinationName">The destination image name.</param>
    /// <param name="options">Options of the destination image.</param>
    public static void MigrationPrepareImport(
        string sourceSpec, IoContext destinationIoContext, string destinationName, RbdImageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceSpec);
        ArgumentNullException.ThrowIfNull(destinationIoContext);
        ArgumentException.ThrowIfNullOrEmpty(destinationName);
        using RbdImageOptionsHandle opts = RbdImageOptions.ToNative(options);
        RbdError.ThrowIfFailed(
            LibRbd.rbd_migration_prepare_import(sourceSpec, destinationIoContext.Handle, destinationName, opts),
            "rbd_migration_prepare_import",
            Subject(destinationIoContext, destinationName));
    }

    /// <summary>
    /// Copies the data of a prepared migration (<c>rbd_migration_execute_with_progress</c>) on a
    /// dedicated thread. Cancelling stops the copy; executing again continues it.
    /// </summary>
    /// <param name="ioContext">The pool of the source or of the destination.</param>
    /// <param name="name">The source or destination image name.</param>
    /// <param name="progress">Receives whole-percent steps, on a librbd thread.</param>
    /// <param name="cancellationToken">Stops the copy.</param>
    public static unsafe Task MigrationExecuteAsync(
        IoContext ioContext, string name, IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunMigration(
            "rbd_migration_execute_with_progress", ioContext, name, progress, cancellationToken,
            static (io, name, arg) => LibRbd.rbd_migration_execute_with_progress(io, name, LongOperation.Callback, arg));

    /// <summary>
    /// Finishes an executed migration (<c>rbd_migration_commit_with_progress</c>): removes the source,
    /// on a dedicated thread.
    /// </summary>
    /// <param name="ioContext">The pool of the source or of the destination.</param>
    /// <param name="name">The source or destination image name.</param>
    /// <param name="progress">Receives whole-percent steps, on a librbd thread.</param>
    /// <param name="cancellationToken">Asks librbd to stop.</param>
    public static unsafe Task MigrationCommitAsync(
        IoContext ioContext, string name, IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunMigration(
            "rbd_migration_commit_with_progress", ioContext, name, progress, cancellationToken,
            static (io, name, arg) => LibRbd.rbd_migration_commit_with_progress(io, name, LongOperation.Callback, arg));

    /// <summary>
    /// Rolls a migration back (<c>rbd_migration_abort_with_progress</c>): removes the destination and
    /// restores the source, on a dedicated thread.
    /// </summary>
    /// <param name="ioContext">The pool of the source or of the destination.</param>
    /// <param name="name">The source or destination image name.</param>
    /// <param name="progress">Receives whole-percent steps, on a librbd thread.</param>
    /// <param name="cancellationToken">Asks librbd to stop.</param>
    public static unsafe Task MigrationAbortAsync(
        IoContext ioContext, string name, IProgress<RbdProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunMigration(
            "rbd_migration_abort_with_progress", ioContext, name, progress, cancellationToken,
            static (io, name, arg) => LibRbd.rbd_migration_abort_with_progress(io, name, LongOperation.Callback, arg));

    /// <summary>Where a migration stands (<c>rbd_migration_status</c>).</summary>
    /// <exception cref="RbdException">The image is not being migrated (EINVAL).</exception>
    public static unsafe RbdMigrationStatus MigrationStatus(IoContext ioContext, string name)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        LibRbd.rbd_image_migration_status_t status;
        RbdError.ThrowIfFailed(
            LibRbd.rbd_migration_status(ioContext.Handle, name, &status, (nuint)sizeof(LibRbd.rbd_image_migration_status_t)),
            "rbd_migration_status",
            Subject(ioContext, name));
        try
        {
            return new RbdMigrationStatus(
                status.source_pool_id,
                NativeString.Read(status.source_pool_namespace),
                NativeString.Read(status.source_image_name),
                NativeString.Read(status.source_image_id),
                status.dest_pool_id,
                NativeString.Read(status.dest_pool_namespace),
                NativeString.Read(status.dest_image_name),
                NativeString.Read(status.dest_image_id),
                (RbdMigrationState)status.state,
                NativeString.Read(status.state_description));
        }
        finally
        {
            LibRbd.rbd_migration_status_cleanup(&status);
        }
    }

    private static Task RunMigration(
        string function,
        IoContext ioContext,
        string name,
        IProgress<RbdProgress>? progress,
        CancellationToken cancellationToken,
        Func<RadosIoCtxHandle, string, IntPtr, int> call)
    {
        ArgumentNullException.ThrowIfNull(ioContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        RadosIoCtxHandle io = ioContext.Handle;
        return LongOperation.RunAsync(function, Subject(ioContext, name), progress, cancellationToken, arg => call(io, name, arg));
    }
}
