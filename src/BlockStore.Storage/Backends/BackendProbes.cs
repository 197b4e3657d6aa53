namespace BlockStore.Storage.Backends;

/// <summary>
/// Asks every configured backend whether it can serve (<see cref="IVolumeBackend.ProbeAsync"/>), all at once, each for
/// a bounded time. librados calls block their thread up to the client's operation timeout, so each probe runs on a
/// thread of its own, and a backend whose last probe is still waiting is not probed again. Not thread-safe: one caller.
/// </summary>
public sealed class BackendProbes(VolumeBackends backends)
{
    private readonly Dictionary<string, Task> _running = [];

    /// <summary>Each backend's name, with null when it answered within <paramref name="timeout"/>, or else what went wrong.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> ProbeAllAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var probes = backends.All.Select(b => (b.Name, Failure: ProbeAsync(b, timeout, cancellationToken))).ToList();
        var results = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, failure) in probes)
        {
            results[name] = await failure.ConfigureAwait(false);
        }

        return results;
    }

    private async Task<string?> ProbeAsync(IVolumeBackend backend, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_running.GetValueOrDefault(backend.Name) is { IsCompleted: false })
        {
            return "the previous probe has not been answered yet";
        }

        var probe = _running[backend.Name] = Task.Run(() => backend.ProbeAsync(cancellationToken), cancellationToken);
        try
        {
            await probe.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutException)
        {
            return $"no answer within {timeout.TotalSeconds:0.#} s";
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return ex.Message;
        }
    }
}
