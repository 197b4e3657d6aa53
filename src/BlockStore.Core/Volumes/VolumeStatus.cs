namespace BlockStore.Core.Volumes;

/// <summary>Cinder's volume statuses. The database and the wire both carry <see cref="VolumeStatusNames.ToWire"/>.</summary>
public enum VolumeStatus
{
    Creating, Available, Reserved, Attaching, Detaching, InUse, Maintenance, Deleting, AwaitingTransfer,
    Error, ErrorDeleting, BackingUp, RestoringBackup, ErrorBackingUp, ErrorRestoring, ErrorExtending,
    Downloading, Uploading, Retyping, Extending, Reverting, Unmanaging,
}

public static class VolumeStatusNames
{
    /// <summary>
    /// The statuses of work in flight that the reconciler sends again when a row sits in one without news (a worker died):
    /// create, delete, extend, revert, re-image and unmanage. <see cref="Volume.Redriven"/> adds the retype in place.
    /// </summary>
    public static readonly VolumeStatus[] Redriven =
        [VolumeStatus.Creating, VolumeStatus.Deleting, VolumeStatus.Extending, VolumeStatus.Reverting, VolumeStatus.Downloading, VolumeStatus.Unmanaging];

    private static readonly Dictionary<VolumeStatus, string> Wire = Enum.GetValues<VolumeStatus>()
        .ToDictionary(s => s, s => s switch
        {
            // Cinder spells a few statuses with hyphens and the rest in snake_case.
            VolumeStatus.InUse => "in-use",
            VolumeStatus.AwaitingTransfer => "awaiting-transfer",
            VolumeStatus.BackingUp => "backing-up",
            VolumeStatus.RestoringBackup => "restoring-backup",
            VolumeStatus.ErrorBackingUp => "error_backing-up",
            _ => SnakeCase(s.ToString()),
        });

    private static readonly Dictionary<string, VolumeStatus> Parsed = Wire.ToDictionary(p => p.Value, p => p.Key);

    public static string ToWire(this VolumeStatus status) => Wire[status];

    public static bool TryParse(string? wire, out VolumeStatus status) => Parsed.TryGetValue(wire ?? "", out status);

    public static VolumeStatus Parse(string wire) =>
        TryParse(wire, out var s) ? s : throw new ArgumentException($"Unknown volume status '{wire}'.", nameof(wire));

    public static string SnakeCase(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
