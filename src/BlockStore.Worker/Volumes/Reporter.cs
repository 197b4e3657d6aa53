namespace BlockStore.Worker.Volumes;

/// <summary>Reports on the caller's thread; <see cref="Progress{T}"/> would queue every report to the thread pool.</summary>
internal sealed class Reporter<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
