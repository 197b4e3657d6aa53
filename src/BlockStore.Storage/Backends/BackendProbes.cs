namespace BlockStore.Storage.Backends;

/// <summary>
/// Asks every configured backend whether it can serve (<see cref="IVolumeBackend.ProbeAsync"/>), all at once, each for
/// a bounded time. librados calls block their thread up to the client's operation timeout, so each probe runs on a
/// thread of its own, and a backend whose last probe is still waiting is not probed again. Not thread-safe: one caller.
/// </summary>
public sealed class BackendProbes(VolumeBackends backends)
{
    private readonly Dictionary<string, Task<(BackendCapacity, IReadOnlyList<string>?)>> _running = [];

    /// <summary>Each backend's name, with what its probe found within <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyDictionary<string, BackendProbe>> ProbeAllAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var probes = backends.All.Select(b => (b.Name, Probe: ProbeAsync(b, timeout, cancellationToken))).ToList();
        var results = new Dictionary<string, BackendProbe>(StringComparer.Ordinal);
        foreach (var (name, probe) in probes)
        {
            results[name] = await probe.ConfigureAwait(false);
        }

        return results;
    }

    private async Task<BackendProbe> ProbeAsync(IVolumeBackend backend, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_running.GetValueOrDefault(backend.Name) is { IsCompleted: false })
        {
            return BackendProbe.Down("the previous probe has not been answered yet");
        }

        var probe = _running[backend.Name] = Task.Run(async () =>
            (await backend.ProbeAsync(cancellationToken).ConfigureAwait(false), await backend.MonitorsAsync(cancellationToken).ConfigureAwait(false)),
            cancellationToken);
        try
        {
            var (capacity, monitors) = await probe.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return BackendProbe.Up(capacity, monitors);
        }
        catch (TimeoutException)
        {
            return BackendProbe.Down($"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return BackendProbe.Down(ex.Message);
        }
    }
}

/// <summary>What a probe of one backend found: its capacity (and, for RBD, its monitors) when it answered, or else why it cannot serve.</summary>
public sealed record BackendProbe(BackendCapacity? Capacity, string? Failure, IReadOnlyList<string>? Monitors = null)
{
    /// <summary>Whether the backend answered.</summary>
    public bool IsUp => Failure is null;

    /// <summary>The backend answered, this full.</summary>
    public static BackendProbe Up(BackendCapacity capacity, IReadOnlyList<string>? monitors = null) => new(capacity, null, monitors);

    /// <summary>The backend did not answer, for this reason.</summary>
    public static BackendProbe Down(string failure) => new(null, failure);
}
