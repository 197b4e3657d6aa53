using BlockStore.Core.Data;
using BlockStore.Core.Messages;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using BlockStore.Storage.Backends;
using BlockStore.Worker.Hosting;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Volumes;

/// <summary>A retype in place that changes multiattach (<c>os-retype</c>): the storage is made to match the new type.</summary>
public sealed partial class VolumeService
{
    /// <summary>
    /// Makes the image shared, or for one writer again, with the back-end QoS limits of its new type, as the row now says,
    /// and the volume usable again. On a failure the image is put back as it was and the volume takes its old type back,
    /// with a user message, as Cinder's failed retype does. Both ends are idempotent, so a retype the reconciler sends
    /// again after a worker died simply runs again.
    /// </summary>
    public async Task RetypeAsync(Guid volumeId, CancellationToken ct)
    {
        await using var retyping = await SessionLock.TryTakeAsync(db, volumeId, ct);
        if (retyping is null) { LogSkipped(volumeId, "retype", "retyping (another delivery is at it)"); return; }
        var volume = await db.Volumes.FirstOrDefaultAsync(v => v.Id == volumeId, ct);
        if (volume is not { IsRetypingInPlace: true, RetypingFrom: { } fromType })
        {
            LogSkipped(volumeId, "retype", volume?.Status.ToWire());
            return;
        }
        var backend = backends.Get(volume.Backend);
        var fromMultiattach = volume.RetypingFromMultiattach ?? volume.Multiattach;
        try
        {
            // Rebuilding the object maps reads the image's object list: stamp the row meanwhile.
            await using var alive = StatusHeartbeat.OfVolume(scopes, volumeId, VolumeStatus.Retyping, reconciler.Value.StuckAfter, clock);
            await MatchTypeAsync(backend, volume.ImageName, volume.Multiattach, volume.VolumeTypeId, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, volumeId, "retype");
            try
            {
                await MatchTypeAsync(backend, volume.ImageName, fromMultiattach, fromType, ct);
            }
            catch (Exception undo) when (undo is not OperationCanceledException)
            {
                LogFailed(undo, volumeId, "retype's undo");
            }
            await db.Entry(volume).ReloadAsync(ct);
            if (!volume.IsRetypingInPlace) return;
            volume.FailBackendRetype(clock.GetUtcNow().UtcDateTime);
            failures.Record(volume.ProjectId, "VOLUME", volume.Id, "retype", UserMessageEvents.RetypeFailed,
                $"Volume {volume.Id} could not be retyped: its storage could not be made to match the new type, so it keeps its type. {Failures.Describe(ex)}");
            await db.SaveChangesAsync(ct);
            return;
        }
        // The heartbeat stamped the row meanwhile: read it again and finish on the row as it is now.
        await db.Entry(volume).ReloadAsync(ct);
        if (!volume.IsRetypingInPlace) { LogSkipped(volumeId, "retype's end", volume.Status.ToWire()); return; }
        volume.CompleteBackendRetype(clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Shared or single-writer, with type <paramref name="typeId"/>'s back-end limits.</summary>
    private async Task MatchTypeAsync(IVolumeBackend backend, string image, bool multiattach, Guid typeId, CancellationToken ct)
    {
        await backend.SetSharedAsync(image, multiattach, ct);
        await backend.ApplyQosAsync(image, await QosSpecs.BackEndOfTypeAsync(db, typeId, ct), ct);
    }
}
