using BlockStore.Storage.Copy;

namespace BlockStore.Worker.Volumes;

/// <summary>Configuration section <c>Migration</c>: how long one step of a migration job may run, and how often it reports.</summary>
public sealed class MigrationOptions
{
    /// <summary>A host-assisted copy commits its checkpoint and hands over to the next step after this long.</summary>
    public TimeSpan StepDuration { get; set; } = TimeSpan.FromSeconds(20);
    /// <summary>Also hand over after this many allocated bytes (unbounded when null); small in tests, to get many steps.</summary>
    public long? StepBytes { get; set; }
    /// <summary>
    /// 4 MiB chunks a host-assisted copy keeps in flight; memory is up to twice this many chunks (data, and a
    /// read-back for a file). Four keep the worker under 256 MiB while it copies; on the one-OSD stack eight
    /// were no faster (docs/benchmarks.md). With many OSDs, more chunks spread over more of them.
    /// </summary>
    public int ChunksInFlight { get; set; } = 4;
    /// <summary>
    /// Verify every chunk on the destination after writing it (on by default): an RBD destination hashes its objects
    /// in place, a file is read back. A move between RBD pools, which librbd's deep copy makes, is checked after
    /// the copy the same way. It is what a migration costs beyond the CLI's copy, which never verifies
    /// (docs/benchmarks.md); turn it off only where the copy's speed matters more than a check of our own.
    /// </summary>
    public bool Verify { get; set; } = true;
    /// <summary>
    /// Bytes per second a host-assisted copy may read from its source (no limit when null), to spare a shared
    /// cluster, as Cinder's <c>volume_copy_bps_limit</c>. librbd's deep copy between pools is not paced.
    /// </summary>
    public long? MaxBytesPerSecond { get; set; }
    /// <summary>How often the running step records progress and its heartbeat on the job row.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>At most one <c>MigrationProgressed</c> event per volume this often.</summary>
    public TimeSpan ProgressEventInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The block copier's settings for one step of a host-assisted copy (a migration's, a backup's or a restore's).</summary>
    public BlockCopyOptions CopyOptions(bool destinationIsZeroed = true) => new()
    {
        MaxChunksInFlight = ChunksInFlight, Verify = Verify, MaxDurationPerStep = StepDuration, MaxBytesPerStep = StepBytes,
        MaxBytesPerSecond = MaxBytesPerSecond, DestinationIsZeroed = destinationIsZeroed,
    };

    /// <summary>What <see cref="IsValid"/> requires, for the error that stops a worker started with anything else.</summary>
    public const string ValidRanges =
        "Migration: StepDuration, StepBytes, MaxBytesPerSecond and ReportInterval must be positive, ChunksInFlight 1 to 256.";

    /// <summary>Whether every setting is in range; checked when the worker starts.</summary>
    public static bool IsValid(MigrationOptions o) =>
        o.StepDuration > TimeSpan.Zero && o.StepBytes is null or > 0 && o.MaxBytesPerSecond is null or > 0
        && o.ChunksInFlight is >= 1 and <= 256 && o.ReportInterval > TimeSpan.Zero;
}
