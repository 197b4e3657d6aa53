using BlockStore.Core.Attachments;
using BlockStore.Core.Errors;

namespace BlockStore.Core.Volumes;

/// <summary>
/// How a volume's status follows its attachments, as in Cinder: a reserve makes an <c>available</c> volume
/// <c>reserved</c>, a connector makes it <c>attaching</c>, <c>os-complete</c> makes it <c>in-use</c>, and when an
/// attachment goes the volume takes the status of the furthest one left (<c>available</c> when none is). A volume that
/// is not <see cref="Multiattach"/> takes a second attachment only for the server that already has one (Nova moving it
/// to another host); a multiattach one is reserved again from <c>in-use</c> for any consumer, as in Cinder.
/// </summary>
public sealed partial class Volume
{
    /// <summary>
    /// Whether the volume may be attached to several consumers at once: its type says so (<c>multiattach="&lt;is&gt;
    /// True"</c>), or the create asked for it. Fixed at create, when the worker prepares its storage for it.
    /// </summary>
    public bool Multiattach { get; private set; }

    /// <summary>The volume being created is to be multiattach.</summary>
    public void AllowMultiattach()
    {
        if (Status != VolumeStatus.Creating) throw new InvalidVolumeStateException($"Volume {Id} is made multiattach only when it is created.");
        Multiattach = true;
    }

    /// <summary>An attachment create. <paramref name="serverAttached"/>: the same server already has an attachment.</summary>
    public void ReserveForAttachment(bool serverAttached, DateTime now)
    {
        RequireNoError("created");
        if (IsMigrating)
            throw new InvalidVolumeStateException($"Volume {Id} is being migrated; it can be attached once the migration ends.");
        if (Status == VolumeStatus.Available || (Multiattach && Status == VolumeStatus.InUse))
        {
            MoveTo(VolumeStatus.Reserved, now);
            return;
        }
        if (serverAttached && Status is VolumeStatus.InUse or VolumeStatus.Reserved or VolumeStatus.Attaching)
        {
            UpdatedAt = now; // touched, so that racing creates meet on the row version
            return;
        }
        throw new InvalidVolumeStateException(
            $"Volume {Id} status must be {(Multiattach ? "available or in-use" : "available")} or downloading to reserve, but the current status is {Status.ToWire()}.");
    }

    /// <summary>An attachment gets its connector: the volume is <c>attaching</c> until the consumer completes it.</summary>
    public void MarkAttaching(DateTime now)
    {
        RequireNoError("updated");
        if (Status is not (VolumeStatus.Reserved or VolumeStatus.Attaching or VolumeStatus.InUse))
            throw new InvalidVolumeStateException($"Volume {Id} status must be reserved or in-use to attach, but the current status is {Status.ToWire()}.");
        MoveTo(VolumeStatus.Attaching, now);
    }

    /// <summary><c>os-complete</c>.</summary>
    public void MarkAttached(DateTime now)
    {
        if (Status is not (VolumeStatus.Reserved or VolumeStatus.Attaching or VolumeStatus.InUse))
            throw new InvalidVolumeStateException($"Volume {Id} status must be reserved or attaching to complete an attachment, but the current status is {Status.ToWire()}.");
        MoveTo(VolumeStatus.InUse, now);
    }

    /// <summary>
    /// <c>os-reserve</c>, the attach flow before the attachments API: an <c>available</c> volume (or a multiattach one
    /// <c>in-use</c>) becomes <c>attaching</c> (not <c>reserved</c>, as in Cinder) until <c>os-attach</c> or <c>os-unreserve</c>.
    /// </summary>
    public void ReserveLegacy(DateTime now)
    {
        if (IsMigrating)
            throw new InvalidVolumeStateException($"Volume {Id} is being migrated; it can be attached once the migration ends.");
        if (Status != VolumeStatus.Available && !(Multiattach && Status == VolumeStatus.InUse))
            throw new InvalidVolumeStateException(
                $"Volume status must be {(Multiattach ? "available or in-use" : "available")} to reserve, but the status is {Status.ToWire()}.");
        MoveTo(VolumeStatus.Attaching, now);
    }

    /// <summary><c>os-unreserve</c> (and the end of <c>os-terminate_connection</c>): an <c>attaching</c> volume goes back to
    /// <c>in-use</c> when it has attachments, else to <c>available</c>; in any other status nothing changes, as in Cinder.</summary>
    public bool Unreserve(bool hasAttachments, DateTime now)
    {
        if (Status != VolumeStatus.Attaching) return false;
        MoveTo(hasAttachments ? VolumeStatus.InUse : VolumeStatus.Available, now);
        return true;
    }

    /// <summary>
    /// <c>os-attach</c>: the consumer says it has attached the volume, which is <c>in-use</c> from now. The caller has
    /// checked that no other consumer holds it, unless it is multiattach. The row is touched even when the status
    /// stays, so that two racing attaches meet on its version.
    /// </summary>
    public void MarkAttachedLegacy(DateTime now)
    {
        RequireNoError("created");
        if (IsMigrating)
            throw new InvalidVolumeStateException($"Volume {Id} is being migrated; it can be attached once the migration ends.");
        if (Status == VolumeStatus.Maintenance)
            throw new InvalidVolumeStateException("The volume cannot be attached in maintenance mode.");
        if (Status is not (VolumeStatus.Available or VolumeStatus.Reserved or VolumeStatus.Attaching or VolumeStatus.InUse))
            throw new InvalidVolumeStateException(
                $"Volume {Id} status must be available, reserved or attaching to attach, but the current status is {Status.ToWire()}.");
        if (Status == VolumeStatus.InUse) UpdatedAt = now;
        else MoveTo(VolumeStatus.InUse, now);
    }

    /// <summary><c>os-begin_detaching</c>: an attached <c>in-use</c> volume, not migrating, is <c>detaching</c> until
    /// <c>os-detach</c> or <c>os-roll_detaching</c>.</summary>
    public void BeginDetaching(bool hasAttached, DateTime now)
    {
        if (Status != VolumeStatus.InUse || !hasAttached || IsMigrating)
            throw new InvalidVolumeStateException(
                "Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.");
        MoveTo(VolumeStatus.Detaching, now);
    }

    /// <summary><c>os-roll_detaching</c>: a <c>detaching</c> volume is <c>in-use</c> again; otherwise nothing changes.</summary>
    public bool RollDetaching(DateTime now)
    {
        if (Status != VolumeStatus.Detaching) return false;
        MoveTo(VolumeStatus.InUse, now);
        return true;
    }

    /// <summary>
    /// An attachment was deleted; <paramref name="remaining"/> are the <see cref="AttachStatus"/> of those left. A volume in
    /// an attach status takes the furthest one's; one in a transient operation started while attached (an extend, an
    /// upload, a retype) returns to it afterwards; any other status (an error, an admin's reset) stays.
    /// </summary>
    public void Detached(IEnumerable<string> remaining, DateTime now)
    {
        var left = remaining.ToList();
        var next = left.Contains(AttachStatus.Attached) ? VolumeStatus.InUse
            : left.Contains(AttachStatus.Attaching) ? VolumeStatus.Attaching
            : left.Contains(AttachStatus.Reserved) ? VolumeStatus.Reserved
            : VolumeStatus.Available;
        if (IsHeldByAttachments(Status))
        {
            if (next != Status) MoveTo(next, now);
        }
        else if (Status is VolumeStatus.Extending or VolumeStatus.Uploading or VolumeStatus.Retyping && IsHeldByAttachments(PreviousStatus))
        {
            PreviousStatus = next;
        }
        // Always touched: two detaches racing on one volume meet on its row version, so neither decides from a list
        // of attachments the other has just changed.
        UpdatedAt = now;
    }

    /// <summary>A status an attachment gives a volume: <c>reserved</c>, <c>attaching</c>, <c>detaching</c> or <c>in-use</c>.</summary>
    private static bool IsHeldByAttachments(VolumeStatus? status) =>
        status is VolumeStatus.Reserved or VolumeStatus.Attaching or VolumeStatus.Detaching or VolumeStatus.InUse;

    private void RequireNoError(string verb)
    {
        if (Status.ToWire().Contains("error", StringComparison.Ordinal))
            throw new InvalidVolumeStateException(
                $"Volume attachments can not be {verb} if the volume is in an error state. The Volume {Id} currently has a status of: {Status.ToWire()}.");
    }
}
