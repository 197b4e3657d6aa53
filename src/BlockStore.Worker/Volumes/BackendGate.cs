using System.Collections.Concurrent;
using BlockStore.Core.Data;
using BlockStore.Core.Services;

namespace BlockStore.Worker.Volumes;

/// <summary>
/// Whether new volumes may be placed on a backend: not while an admin has disabled every one of its volume services
/// (<c>os-services/disable</c>), as Cinder's scheduler finds no valid backend then. Each backend's answer is read at most
/// once every <see cref="Fresh"/>, so a create costs no extra query, and a disable or enable is obeyed within that time.
/// </summary>
public sealed class BackendGate(TimeProvider clock)
{
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (bool Disabled, DateTime ReadAt)> _answers = new();

    public async Task<bool> IsDisabledAsync(BlockStoreDbContext db, string backend, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_answers.TryGetValue(backend, out var known) && now - known.ReadAt < Fresh) return known.Disabled;
        var disabled = await ServiceRegistry.IsBackendDisabledAsync(db, backend, ct);
        _answers[backend] = (disabled, now);
        return disabled;
    }
}
