namespace BlockStore.Storage.Backends;

/// <summary>How much a backend holds in all and how much it can still take, in bytes, as its storage reports it.</summary>
/// <param name="TotalBytes">RBD: what the pool stores plus what it can still take; a file backend: the size of its filesystem.</param>
/// <param name="FreeBytes">RBD: the pool's <c>max_avail</c>; a file backend: the space its filesystem has for unprivileged writers.</param>
public sealed record BackendCapacity(long TotalBytes, long FreeBytes);
