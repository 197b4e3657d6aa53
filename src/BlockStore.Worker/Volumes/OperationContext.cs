using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Messages;
using BlockStore.Core.Volumes;

namespace BlockStore.Worker.Volumes;

/// <summary>What every operation writes when it ends badly: error status, user message and event, in one commit.</summary>
public sealed class Failures(BlockStoreDbContext db, TimeProvider clock, IConfiguration configuration)
{
    private TimeSpan Keep => configuration.GetValue("Messages:Keep", TimeSpan.FromDays(30));

    public void Record(string projectId, string resourceType, Guid resourceId, string operation, string eventId, string message)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        db.UserMessages.Add(UserMessage.Error(projectId, resourceType, resourceId, eventId, message, null, now, Keep));
        db.Enqueue(new OperationFailed(resourceId, resourceType, projectId, operation, message, now), now);
    }

    public void VolumeFailed(Volume volume, VolumeStatus errorStatus, string operation, string eventId, string message)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        volume.MarkFailed(errorStatus, now);
        Record(volume.ProjectId, "VOLUME", volume.Id, operation, eventId, message);
    }

    /// <summary>
    /// Why an operation was refused, for the tenant: BlockStore's own refusals (a quota, a check of what was asked) in
    /// their own words, anything else as <see cref="Describe"/> puts it.
    /// </summary>
    public static string Reason(Exception ex) =>
        ex is Core.Errors.QuotaExceededException or Core.Errors.InvalidRequestException ? ex.Message : Describe(ex);

    /// <summary>A sentence for the tenant; details stay in the worker's log.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        Rbd.RbdTimeoutException => "The storage cluster did not answer in time.",
        Rbd.RbdPermissionDeniedException => "The storage service is not allowed to use this pool; ask an operator to check its Ceph capabilities.",
        Rbd.RbdBusyException => "Its image is still open by another client (a host that maps it, or one that crashed moments ago); try again once it is released.",
        Rbd.RbdException r => $"The storage backend refused the operation ({r.Message}).",
        _ => $"The operation failed: {ex.Message}",
    };
}
