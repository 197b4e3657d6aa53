namespace BlockStore.Rbd;

/// <summary>
/// A failure reported by librados or librbd. Every native error surfaces as this type or one of
/// its subclasses; <see cref="ErrorCode"/> carries the errno and <see cref="Operation"/> the native
/// function that returned it.
/// </summary>
public class RbdException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public RbdException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public RbdException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public RbdException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a native failure.</summary>
    /// <param name="message">Human-readable description.</param>
    /// <param name="errorCode">The errno, as a positive number (librbd returns it negated).</param>
    /// <param name="operation">The native function that failed, e.g. <c>rbd_open</c>.</param>
    public RbdException(string message, int errorCode, string operation)
        : base(message)
    {
        ErrorCode = errorCode;
        Operation = operation;
    }

    /// <summary>The errno reported by the native library, as a positive number (e.g. 2 for ENOENT).</summary>
    public int ErrorCode { get; }

    /// <summary>The native function that failed, e.g. <c>rbd_open</c>; null when not raised by a native call.</summary>
    public string? Operation { get; }
}

/// <summary>The image, snapshot, pool or parent does not exist (ENOENT).</summary>
public class RbdNotFoundException : RbdException
{
    /// <inheritdoc cref="RbdException()"/>
    public RbdNotFoundException()
    {
    }

    /// <inheritdoc cref="RbdException(string)"/>
    public RbdNotFoundException(string message)
        : base(message)
    {
    }

    /// <inheritdoc cref="RbdException(string, Exception)"/>
    public RbdNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RbdException(string, int, string)"/>
    public RbdNotFoundException(string message, int errorCode, string operation)
        : base(message, errorCode, operation)
    {
    }
}

/// <summary>An image or snapshot of that name already exists (EEXIST).</summary>
public class RbdExistsException : RbdException
{
    /// <inheritdoc cref="RbdException()"/>
    public RbdExistsException()
    {
    }

    /// <inheritdoc cref="RbdException(string)"/>
    public RbdExistsException(string message)
        : base(message)
    {
    }

    /// <inheritdoc cref="RbdException(string, Exception)"/>
    public RbdExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RbdException(string, int, string)"/>
    public RbdExistsException(string message, int errorCode, string operation)
        : base(message, errorCode, operation)
    {
    }
}

/// <summary>
/// The resource is busy for now (EBUSY): the image still has watchers (it is open elsewhere),
/// the exclusive lock is held by another client, or an operation is already running.
/// </summary>
public class RbdBusyException : RbdException
{
    /// <inheritdoc cref="RbdException()"/>
    public RbdBusyException()
    {
    }

    /// <inheritdoc cref="RbdException(string)"/>
    public RbdBusyException(string message)
        : base(message)
    {
    }

    /// <inheritdoc cref="RbdException(string, Exception)"/>
    public RbdBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RbdException(string, int, string)"/>
    public RbdBusyException(string message, int errorCode, string operation)
        : base(message, errorCode, operation)
    {
    }
}

/// <summary>
/// The image changed under the operation (ESTALE): another client removed it, or moved it to the trash,
/// between the moment this call found it and the moment it acted. Look again: it is usually gone.
/// </summary>
public class RbdStaleException : RbdException
{
    /// <inheritdoc cref="RbdException()"/>
    public RbdStaleException()
    {
    }

    /// <inheritdoc cref="RbdException(string)"/>
    public RbdStaleException(string message)
        : base(message)
    {
    }

    /// <inheritdoc cref="RbdException(string, Exception)"/>
    public RbdStaleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RbdException(string, int, string)"/>
    public RbdStaleException(string message, int errorCode, string operation)
        : base(message, errorCode, operation)
    {
    }
}

/// <summary>
/// Something depends on the resource: the image has snapshots (ENOTEMPTY), or the snapshot is
/// protected or has clones (EBUSY from <c>rbd_snap_unprotect</c> / <c>rbd_snap_remove</c>).
/// </summary>
public class RbdInUseException : RbdException
{
    /// <inheritdoc cref="RbdException()"/>
    public RbdInUseException()
    {
    }

    /// <inheritdoc cref="RbdException(string)"/>
    public RbdInUseException(string message)
        : base(message)
    {
    }

    /// <inheritdoc cref="RbdException(string, Exception)"/>
    public RbdInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RbdException(string, int, string)"/>
    public RbdInUseException(string message, int errorCode, string operation)
        : base(message, errorCode, operation)
    {
    }
}

/// <summary>The client's caps do not allow the operation (EPERM or EACCES).</summary>
public class RbdPermissionDeniedException : RbdException
{
    /// <inheritdoc cref="RbdException()"/>
    public RbdPermissionDeniedException()
    {
    }

    /// <inheritdoc cref="RbdException(string)"/>
    public RbdPermissionDeniedException(string message)
        : base(message)
    {
    }

    /// <inheritdoc cref="RbdException(string, Exception)"/>
    public RbdPermissionDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RbdException(string, int, string)"/>
    public RbdPermissionDeniedException(string message, int errorCode, string operation)
        : base(message, errorCode, operation)
    {
    }
}

/// <summary>
/// The cluster did not answer in time (ETIMEDOUT), typically because a connect, monitor or OSD
/// timeout from <see cref="RadosConnectOptions"/> expired.
/// </summary>
public class RbdTimeoutException : RbdException
{
    /// <inheritdoc cref="RbdException()"/>
    public RbdTimeoutException()
    {
    }

    /// <inheritdoc cref="RbdException(string)"/>
    public RbdTimeoutException(string message)
        : base(message)
    {
    }

    /// <inheritdoc cref="RbdException(string, Exception)"/>
    public RbdTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RbdException(string, int, string)"/>
    public RbdTimeoutException(string message, int errorCode, string operation)
        : base(message, errorCode, operation)
    {
    }
}
