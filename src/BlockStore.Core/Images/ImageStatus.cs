namespace BlockStore.Core.Images;

/// <summary>Glance v2's image statuses that BlockStore uses; the wire and the database carry the lower-case name.</summary>
public enum ImageStatus
{
    /// <summary>The record exists and waits for its data.</summary>
    Queued,
    /// <summary>Data is being uploaded, converted or copied from a volume.</summary>
    Saving,
    /// <summary>The data is a protected RBD snapshot that volumes can be cloned from.</summary>
    Active,
    /// <summary>The upload failed; <see cref="Image.KilledReason"/> says why. The data is gone.</summary>
    Killed,
}

public static class ImageStatusNames
{
    public static string ToWire(this ImageStatus status) => status.ToString().ToLowerInvariant();

    public static ImageStatus Parse(string wire) => Enum.Parse<ImageStatus>(wire, ignoreCase: true);
}

/// <summary>Who may see an image: Glance's visibilities.</summary>
public enum ImageVisibility
{
    Private,
    Public,
    /// <summary>Glance's default: seen by its owner and by the projects it is offered to (<see cref="ImageMember"/>).</summary>
    Shared,
    /// <summary>Seen and used by every project, but listed to others only when they ask for <c>visibility=community</c>.</summary>
    Community,
}
