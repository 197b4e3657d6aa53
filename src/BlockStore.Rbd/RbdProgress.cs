namespace BlockStore.Rbd;

/// <summary>
/// Progress of a long operation as librbd reports it: <see cref="Offset"/> units done out of
/// <see cref="Total"/> (objects for flatten and deep copy, bytes or objects elsewhere).
/// </summary>
/// <param name="Offset">Units done.</param>
/// <param name="Total">Units in all.</param>
public readonly record struct RbdProgress(ulong Offset, ulong Total)
{
    /// <summary>Completion in percent, 0–100.</summary>
    public double Percent => Total == 0 ? 100 : Math.Min(100, Offset * 100.0 / Total);
}
