using System.Diagnostics.CodeAnalysis;

namespace BlockStore.Storage.Qcow2;

/// <summary>
/// The few most recently used L2 tables, keyed by file offset. A copy walks the disk in order, so a
/// handful is enough; a linear scan of a dozen slots is cheaper than any real map.
/// </summary>
internal sealed class L2TableCache
{
    private const int BudgetBytes = 4 << 20;

    private readonly Lock _lock = new();
    private readonly Entry[] _entries;
    private long _clock;

    public L2TableCache(int clusterSize) => _entries = new Entry[Math.Clamp(BudgetBytes / clusterSize, 4, 32)];

    public bool TryGet(long offset, [NotNullWhen(true)] out ulong[]? table)
    {
        lock (_lock)
        {
            for (int i = 0; i < _entries.Length; i++)
            {
                if (_entries[i].Table is not null && _entries[i].Offset == offset)
                {
                    _entries[i].LastUse = ++_clock;
                    table = _entries[i].Table!;
                    return true;
                }
            }
        }

        table = null;
        return false;
    }

    public void Add(long offset, ulong[] table)
    {
        lock (_lock)
        {
            int victim = 0;
            for (int i = 0; i < _entries.Length; i++)
            {
                if (_entries[i].Table is not null && _entries[i].Offset == offset)
                {
                    return; // another reader loaded it meanwhile
                }

                if (_entries[i].LastUse < _entries[victim].LastUse)
                {
                    victim = i;
                }
            }

            _entries[victim] = new Entry { Offset = offset, Table = table, LastUse = ++_clock };
        }
    }

    private struct Entry
    {
        public long Offset;
        public ulong[]? Table;
        public long LastUse;
    }
}
