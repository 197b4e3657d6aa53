namespace BlockStore.Storage.Backends;

/// <summary>
/// One holder at a time per key, for keys that come and go (image names): a key's entry lives only while someone
/// holds or waits for it, so the gate does not grow with every image ever seen.
/// </summary>
internal sealed class KeyedGate
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Waits until no one else holds <paramref name="key"/>; dispose the result to let the next one in.</summary>
    public async Task<IDisposable> EnterAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                _entries[key] = entry = new Entry(this, key);
            }

            entry.Users++;
        }

        try
        {
            await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            entry.Leave(held: false);
            throw;
        }

        return new Holder(entry);
    }

    private sealed class Entry(KeyedGate owner, string key)
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;

        public void Leave(bool held)
        {
            if (held)
            {
                Gate.Release();
            }

            lock (owner._entries)
            {
                if (--Users == 0)
                {
                    owner._entries.Remove(key);
                }
            }
        }
    }

    private sealed class Holder(Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                entry.Leave(held: true);
            }
        }
    }

    /// <summary>Keys with a holder or a waiter, for tests.</summary>
    internal int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }
}
