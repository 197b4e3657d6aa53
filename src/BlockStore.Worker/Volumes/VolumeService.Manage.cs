using BlockStore.Contracts;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Messages;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Volumes;

/// <summary>Adopting existing storage (<c>os-volume-manage</c>) and letting a volume's go (<c>os-unmanage</c>).</summary>
public sealed partial class VolumeService
{
    /// <summary>
    /// The create of a volume that adopts storage: its size is read and charged (in whole GiB, rounded up), then the
    /// storage is renamed to the volume's image name and grown to that whole GiB (its data untouched), and the volume
    /// is available. Charged before the rename, so a volume over its quota leaves the storage as it was. A delivery
    /// after a crash finds the storage renamed already and finishes. Every refusal ends in <c>error</c> with a message.
    /// </summary>
    private async Task ManageAsync(Volume volume, IVolumeBackend backend, CancellationToken ct)
    {
        // One manage of a volume at a time: a redelivery while the first still runs leaves.
        await using var managing = await SessionLock.TryTakeAsync(db, volume.Id, ct);
        if (managing is null) { LogSkipped(volume.Id, "manage", "creating (another delivery is at it)"); return; }
        await db.Entry(volume).ReloadAsync(ct);
        if (volume is not { Status: VolumeStatus.Creating, ManagingFrom: { } source }) { LogSkipped(volume.Id, "manage", volume.Status.ToWire()); return; }
        IReadOnlyList<StoredSnapshot> foreign;
        try
        {
            var stored = await backend.DescribeAsync(volume.ImageName, ct) // an earlier delivery renamed it
                ?? await backend.DescribeAsync(source, ct)
                ?? throw InvalidReference(source, $"Specified storage does not exist on backend '{backend.Name}'.");
            if (stored.Name == source) RequireAdoptable(stored);
            await ChargeManagedSizeAsync(volume, ManageableImage.SizeInGb(stored.SizeBytes), ct);
            await backend.RenameAsync(source, volume.ImageName, ct);
            await backend.ResizeAsync(volume.ImageName, volume.Size * Gib, ct);
            if (volume.Multiattach) await backend.SetSharedAsync(volume.ImageName, shared: true, ct);
            // The type's limits, if it has some; an image adopted into a type without keeps whatever limits it had.
            var qos = await QosSpecs.BackEndOfTypeAsync(db, volume.VolumeTypeId, ct);
            if (qos.Count > 0) await backend.ApplyQosAsync(volume.ImageName, qos, ct);
            foreign = await backend.ListSnapshotsAsync(volume.ImageName, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A refused charge rolled back; the row is read again either way, and is failed only if it is still ours.
            db.ChangeTracker.Clear();
            var current = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volume.Id, ct);
            if (current is not { Status: VolumeStatus.Creating }) return;
            var reason = Failures.Reason(ex);
            LogFailed(ex, volume.Id, "manage");
            failures.VolumeFailed(current, VolumeStatus.Error, "manage", UserMessageEvents.ManageFailed,
                $"Volume {volume.Id} could not manage '{source}' on backend '{backend.Name}'. {reason}");
            await db.SaveChangesAsync(ct);
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        volume.CompleteManage(now);
        db.Enqueue(new VolumeCreated(volume.Id, volume.ProjectId, volume.Size, volume.Backend, now), now);
        await ManageableInventory.RemoveAsync(db, backend.Name, source, ct);
        // The image's snapshots came with it, and no BlockStore snapshot owns them yet (os-snapshot-manage adopts them).
        db.ForeignSnapshots.AddRange(foreign.Select(f => new ForeignSnapshot(volume.Id, backend.Name, f.Name, f.SizeBytes, now)));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The volume takes the storage's size, and its project is charged for it, in one commit; none the second time.</summary>
    private async Task ChargeManagedSizeAsync(Volume volume, int sizeGb, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var charge = volume.TakeManagedSize(sizeGb);
        if (charge == 0) return;
        await db.SaveChangesAsync(ct);
        // After the save, as a create's: the type's usage is counted from the rows, this one's size included.
        await quotas.ChargeAsync(volume.ProjectId, volume.VolumeTypeId, volumes: 0, gigabytes: charge, snapshots: 0, volumeSize: charge, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// A volume takes its storage whole and alone: not while a client has it open (it would change under a volume
    /// that says <c>available</c>); the administrator decides. Its snapshots come along, recorded as snapshots that
    /// BlockStore does not manage, until <c>os-snapshot-manage</c> adopts them.
    /// </summary>
    private static void RequireAdoptable(StoredVolume stored)
    {
        if (stored.Name.StartsWith(RbdVolumeBackend.HiddenPrefix, StringComparison.Ordinal))
            throw InvalidReference(stored.Name, "It is a deleted volume's image, kept until the clones made from it are gone.");
        if (stored.Watchers.Count > 0)
            throw InvalidReference(stored.Name, $"It is in use: open by {string.Join(", ", stored.Watchers)}. Unmap it first.");
    }

    /// <summary>Cinder's <c>ManageExistingInvalidReference</c> wording.</summary>
    private static InvalidRequestException InvalidReference(string name, string reason) =>
        InvalidRequestException.InvalidManageReference("volume", $"{{'source-name': '{name}'}}", reason);

    /// <summary>
    /// Lets a volume's storage go with its data: its image is renamed to <see cref="Volume.UnmanagedImageName"/>, out of
    /// the names the reconciler owns, and the row goes, giving its quota back. It then shows on the manageable list, to be
    /// managed again. Refused, with the volume as it was and a message, while its image has snapshots (those clones of it
    /// still hang from). A delivery after a crash finds the image renamed already and finishes. A volume whose image was
    /// never made (an errored create) just goes.
    /// </summary>
    public async Task UnmanageAsync(Guid volumeId, CancellationToken ct)
    {
        await using var unmanaging = await SessionLock.TryTakeAsync(db, volumeId, ct);
        if (unmanaging is null) { LogSkipped(volumeId, "unmanage", "unmanaging (another delivery is at it)"); return; }
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
        if (volume is not { Status: VolumeStatus.Unmanaging }) { LogSkipped(volumeId, "unmanage", volume?.Status.ToWire()); return; }
        var backend = backends.Get(volume.Backend);
        StoredVolume? kept;
        try
        {
            if (await backend.DescribeAsync(volume.ImageName, ct) is { } stored)
            {
                // Snapshots BlockStore does not manage go along with the image; its own left (hidden ones, which clones
                // still hang from; those of clones being made from the volume) do not.
                var foreign = await db.ForeignSnapshots.Where(f => f.VolumeId == volumeId).Select(f => f.Name).ToListAsync(ct);
                var owned = (await backend.ListSnapshotsAsync(volume.ImageName, ct)).Count(s => !foreign.Contains(s.Name));
                if (owned > 0)
                    throw new InvalidRequestException(
                        $"Its image has {owned} snapshot(s) that volumes made from it still depend on; delete or flatten those volumes first.");
                await backend.RenameAsync(volume.ImageName, volume.UnmanagedImageName, ct);
                kept = stored with { Name = volume.UnmanagedImageName };
            }
            else
            {
                // Renamed by an earlier delivery; or never made (a create that failed), and then there is nothing to keep.
                kept = await backend.DescribeAsync(volume.UnmanagedImageName, ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, volumeId, "unmanage");
            volume.AbandonUnmanage(clock.GetUtcNow().UtcDateTime);
            failures.Record(volume.ProjectId, "VOLUME", volume.Id, "unmanage", UserMessageEvents.UnmanageFailed,
                $"Volume {volume.Id} could not be unmanaged, and is as it was. {Failures.Reason(ex)}");
            await db.SaveChangesAsync(ct);
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await quotas.ReleaseAsync(volume.ProjectId, 1, volume.Size + volume.AbandonExtend(), 0, ct);
        // Only hidden snapshot rows can be left (an unmanage needs a volume without snapshots); their images went with it.
        db.Snapshots.RemoveRange(await db.Snapshots.Where(s => s.VolumeId == volumeId).ToListAsync(ct));
        db.ForeignSnapshots.RemoveRange(await db.ForeignSnapshots.Where(f => f.VolumeId == volumeId).ToListAsync(ct));
        db.Volumes.Remove(volume);
        if (kept is not null) await ManageableInventory.AddAsync(db, volume.Backend, kept, now, ct);
        db.Enqueue(new VolumeStatusChanged(volume.Id, volume.ProjectId, VolumeStatus.Unmanaging.ToWire(), "deleted", now), now);
        db.Enqueue(new VolumeDeleted(volume.Id, volume.ProjectId, now, kept?.Name), now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        LogUnmanaged(volumeId, volume.Backend, kept?.Name ?? "(no image: there was none to keep)");
    }

    [LoggerMessage(LogLevel.Information, "Volume {VolumeId} was unmanaged; its data stays on backend {Backend} as {Name}")]
    private partial void LogUnmanaged(Guid volumeId, string backend, string name);
}
