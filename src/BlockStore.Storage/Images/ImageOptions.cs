namespace BlockStore.Storage.Images;

/// <summary>Configuration section <c>Images</c>: where image data lives and what an upload may cost.</summary>
public sealed class ImageOptions
{
    /// <summary>The RBD pool that holds image bases, <c>images</c> by default.</summary>
    public string Pool { get; set; } = "images";

    /// <summary>The largest upload accepted, in bytes (64 GiB by default); a larger one ends in 413 and the image is killed.</summary>
    public long MaxUploadBytes { get; set; } = 64L << 30;

    /// <summary>The largest guest disk a qcow2 image may declare (1 TiB by default), so a lying header cannot start an endless conversion.</summary>
    public long MaxVirtualSizeBytes { get; set; } = 1L << 40;

    /// <summary>Where qcow2 uploads are spooled before conversion; the system temp folder by default.</summary>
    public string? SpoolPath { get; set; }

    /// <summary>Bytes all spooled uploads of this process may hold at once (128 GiB by default); an upload past it is refused with 413.</summary>
    public long SpoolCapacityBytes { get; set; } = 128L << 30;

    /// <summary>How long converting one qcow2 image may take (1 hour by default) before the image is killed.</summary>
    public TimeSpan ConversionTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Reads every converted chunk back from RBD and compares it (on by default).</summary>
    public bool VerifyConversion { get; set; } = true;

    /// <summary>Bytes per write, 4 MiB by default: one RBD object.</summary>
    public int ChunkSize { get; set; } = 4 << 20;

    /// <summary>Chunks written at once per upload, 8 by default; memory per upload is about <c>ChunkSize × ChunksInFlight</c>.</summary>
    public int ChunksInFlight { get; set; } = 8;

    /// <summary>How often an upload in progress touches its row, so that the reconciler can tell it from one that died.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The spool folder actually used.</summary>
    public string SpoolDirectory => SpoolPath ?? Path.Combine(Path.GetTempPath(), "blockstore-spool");
}
