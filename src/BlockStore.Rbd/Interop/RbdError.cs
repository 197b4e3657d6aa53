using System.Runtime.InteropServices;

namespace BlockStore.Rbd.Interop;

/// <summary>The one place where a negative return code from librados/librbd becomes an exception.</summary>
internal static class RbdError
{
    internal static int ThrowIfFailed(int rc, string function, string? subject = null)
    {
        if (rc < 0)
        {
            throw Create(-rc, function, subject);
        }

        return rc;
    }

    internal static long ThrowIfFailed(long rc, string function, string? subject = null)
    {
        if (rc < 0)
        {
            throw Create((int)-rc, function, subject);
        }

        return rc;
    }

    /// <summary>
    /// For calls that our progress callback can abort: -ECANCELED after the token fired is the
    /// cancellation we asked for, not a failure.
    /// </summary>
    internal static int ThrowIfFailed(int rc, string function, string? subject, CancellationToken cancellationToken)
    {
        if (rc == -Errno.ECANCELED && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"{function} was cancelled.", cancellationToken);
        }

        return ThrowIfFailed(rc, function, subject);
    }

    internal static RbdException Create(int errno, string function, string? subject = null)
    {
        string message = $"{function} failed{(subject is null ? "" : $" for {subject}")}: "
            + $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).";

        return errno switch
        {
            Errno.ENOENT => new RbdNotFoundException(message, errno, function),
            Errno.EEXIST => new RbdExistsException(message, errno, function),
            Errno.ENOTEMPTY => new RbdInUseException(message, errno, function),
            // librbd answers EBUSY both for "open elsewhere" and for "a clone depends on this
            // snapshot"; the function tells which.
            Errno.EBUSY when function is "rbd_snap_unprotect" or "rbd_snap_remove"
                => new RbdInUseException(message, errno, function),
            Errno.EBUSY => new RbdBusyException(message, errno, function),
            // Asked for an exclusive lock another client holds with rbd_lock_acquire: busy, not read-only.
            Errno.EROFS when function is "rbd_lock_acquire" => new RbdBusyException(message, errno, function),
            Errno.EPERM or Errno.EACCES => new RbdPermissionDeniedException(message, errno, function),
            Errno.ETIMEDOUT => new RbdTimeoutException(message, errno, function),
            Errno.ESTALE => new RbdStaleException(message, errno, function),
            _ => new RbdException(message, errno, function),
        };
    }
}
