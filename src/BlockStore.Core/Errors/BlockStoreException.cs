namespace BlockStore.Core.Errors;

/// <summary>
/// Base of the failures the API turns into Cinder fault bodies. Each subclass names one fault; the mapping
/// to HTTP lives in one exception handler in the API.
/// </summary>
public abstract class BlockStoreException(string message) : Exception(message);

/// <summary>404 <c>itemNotFound</c>. Also used for other projects' resources, which must not be revealed.</summary>
public sealed class ResourceNotFoundException(string message) : BlockStoreException(message)
{
    public static ResourceNotFoundException Volume(string id) => new($"Volume {id} could not be found.");
    public static ResourceNotFoundException Snapshot(string id) => new($"Snapshot {id} could not be found.");
    public static ResourceNotFoundException VolumeType(string id) => new($"Volume type {id} could not be found.");
    public static ResourceNotFoundException VolumeTypeByName(string name) => new($"Volume type with name {name} could not be found.");
    public static ResourceNotFoundException UserMessage(string id) => new($"Message {id} could not be found.");
    public static ResourceNotFoundException Backup(string id) => new($"Backup {id} could not be found.");
    public static ResourceNotFoundException Group(string id) => new($"Group {id} could not be found.");
    public static ResourceNotFoundException GroupSnapshot(string id) => new($"GroupSnapshot {id} could not be found.");
    public static ResourceNotFoundException GroupType(string id) => new($"Group type {id} could not be found.");
    public static ResourceNotFoundException GroupTypeByName(string name) => new($"Group type with name {name} could not be found.");
}

/// <summary>400 <c>badRequest</c>: the request is well-formed but cannot be done, e.g. the resource is in the wrong state.</summary>
public class InvalidRequestException(string message) : BlockStoreException(message)
{
    /// <summary>
    /// Cinder's <c>ManageExistingInvalidReference</c>: <paramref name="what"/> (<c>volume</c> or <c>snapshot</c>) could not
    /// be managed from <paramref name="reference"/> (the reference as Cinder prints it).
    /// </summary>
    public static InvalidRequestException InvalidManageReference(string what, string reference, string reason) =>
        new($"Manage existing {what} failed due to invalid backend reference {reference}: {reason}");

    /// <summary>A list's <c>marker</c> that names no row the caller can see.</summary>
    public static InvalidRequestException MarkerNotFound(string marker) => new($"Invalid input received: marker [{marker}] not found.");
}

/// <summary>400: a volume is not in a status that allows the operation.</summary>
public sealed class InvalidVolumeStateException(string message) : InvalidRequestException($"Invalid volume: {message}");

/// <summary>400: a snapshot is not in a status that allows the operation.</summary>
public sealed class InvalidSnapshotStateException(string message) : InvalidRequestException($"Invalid snapshot: {message}");

/// <summary>403 <c>forbidden</c>: the caller's role does not allow the action.</summary>
public sealed class PolicyNotAuthorizedException(string action)
    : BlockStoreException($"Policy doesn't allow {action} to be performed.");

/// <summary>409 <c>conflictingRequest</c>: a real race, such as a duplicate name that must be unique.</summary>
public sealed class ConflictException(string message) : BlockStoreException(message);

/// <summary>413 <c>overLimit</c>: a quota would be exceeded.</summary>
public sealed class QuotaExceededException(string message) : BlockStoreException(message);

/// <summary>403 <c>forbidden</c> with its own reason: Glance's answer to deleting a protected image or setting a read-only attribute.</summary>
public sealed class ForbiddenException(string message) : BlockStoreException(message);

/// <summary>413: an upload is larger than the configured limit.</summary>
public sealed class UploadTooLargeException(string message) : BlockStoreException(message);

/// <summary>503 <c>serviceUnavailable</c>: a dependency of this request (Ceph, for an upload) failed or did not answer.
/// The cause is logged where it is caught.</summary>
public sealed class ServiceUnavailableException(string message) : BlockStoreException(message);

/// <summary>416: a download's <c>Range</c> that cannot be served from data of <see cref="Size"/> bytes.</summary>
public sealed class RangeNotSatisfiableException(string message, long size) : BlockStoreException(message)
{
    public long Size { get; } = size;
}
