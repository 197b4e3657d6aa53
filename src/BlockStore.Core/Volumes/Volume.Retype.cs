using System.Linq.Expressions;
using BlockStore.Core.Errors;

namespace BlockStore.Core.Volumes;

/// <summary>
/// Retype within one backend (<c>os-retype</c>). Most retypes change only the type. One that makes the volume multiattach,
/// or no longer, or that changes the back-end QoS limits its backend applies, also changes the volume's storage, so the
/// worker runs it: the volume shows <c>retyping</c> meanwhile, as in Cinder. Retypes across backends are migrations
/// (<see cref="BeginMigration"/>).
/// </summary>
public sealed partial class Volume
{
    /// <summary>
    /// The type an in-place retype in progress leaves (the row already has the new one, and its multiattach); kept so that
    /// a failed retype is undone and an interrupted one driven again. Null otherwise, and during a retype that migrates.
    /// </summary>
    public Guid? RetypingFrom { get; private set; }

    /// <summary>Whether the volume was multiattach before the in-place retype in progress; null when none is.</summary>
    public bool? RetypingFromMultiattach { get; private set; }

    /// <summary>
    /// Work in flight that the reconciler sends again when it sits without news (a worker died), as a query filter: the
    /// statuses of <see cref="VolumeStatusNames.Redriven"/>, and a retype in place. A retype that migrates is its job's.
    /// </summary>
    public static readonly Expression<Func<Volume, bool>> Redriven =
        v => VolumeStatusNames.Redriven.Contains(v.Status) || (v.Status == VolumeStatus.Retyping && v.RetypingFrom != null);

    /// <summary>Whether an in-place retype that the worker has to finish is in progress.</summary>
    public bool IsRetypingInPlace => Status == VolumeStatus.Retyping && RetypingFrom is not null;

    /// <summary>Retype within one backend that changes only the type: the volume stays usable.</summary>
    public void RetypeInPlace(Guid newTypeId, DateTime now)
    {
        RequireRetypeableInPlace();
        VolumeTypeId = newTypeId;
        UpdatedAt = now;
    }

    private void RequireRetypeableInPlace()
    {
        if (Status is not (VolumeStatus.Available or VolumeStatus.InUse))
            throw new InvalidVolumeStateException($"Volume {Id} status must be available or in-use to retype, but current status is: {Status.ToWire()}.");
        if (IsMigrating) throw new InvalidVolumeStateException($"Volume {Id} is already part of an active migration.");
    }

    /// <summary>
    /// Cinder's check for a retype whose type makes the volume multiattach and the volume is not, or the other way round:
    /// the volume must be <c>available</c> (a hypervisor that has it attached set it up for one or the other).
    /// </summary>
    public void RequireMultiattachChangeable()
    {
        if (Status != VolumeStatus.Available)
            throw new InvalidRequestException(
                $"Invalid input received: Invalid volume_type passed, retypes affecting multiattach are only allowed on available volumes, the specified volume however currently has a status of: {Status.ToWire()}.");
        if (IsMigrating) throw new InvalidVolumeStateException($"Volume {Id} is already part of an active migration.");
    }

    /// <summary>
    /// An in-place retype that the backend has to apply: the type and multiattach change now (the new type's quota limits
    /// apply from this commit), and the volume is <c>retyping</c> until the worker has made its storage match. A change of
    /// multiattach needs an <c>available</c> volume (<see cref="RequireMultiattachChangeable"/>); one of limits alone, an
    /// <c>available</c> or <c>in-use</c> one, which it returns to.
    /// </summary>
    public void BeginBackendRetype(Guid newTypeId, bool multiattach, DateTime now)
    {
        if (multiattach != Multiattach) RequireMultiattachChangeable();
        else RequireRetypeableInPlace();
        var (fromType, fromMultiattach) = (VolumeTypeId, Multiattach);
        MoveTo(VolumeStatus.Retyping, now);
        RetypingFrom = fromType;
        RetypingFromMultiattach = fromMultiattach;
        VolumeTypeId = newTypeId;
        Multiattach = multiattach;
    }

    /// <summary>The storage matches the new type: the volume is usable again, as it was before.</summary>
    public void CompleteBackendRetype(DateTime now)
    {
        if (!IsRetypingInPlace) throw new InvalidVolumeStateException($"Volume {Id} has no retype in progress, its status is {Status.ToWire()}.");
        MoveTo(PreviousStatus ?? VolumeStatus.Available, now);
    }

    /// <summary>The storage could not be changed: the volume takes its old type and multiattach back, and is usable again, as in Cinder.</summary>
    public void FailBackendRetype(DateTime now)
    {
        if (RetypingFrom is not { } from || Status != VolumeStatus.Retyping)
            throw new InvalidVolumeStateException($"Volume {Id} has no retype in progress, its status is {Status.ToWire()}.");
        VolumeTypeId = from;
        Multiattach = RetypingFromMultiattach ?? Multiattach;
        MoveTo(PreviousStatus ?? VolumeStatus.Available, now);
    }
}
