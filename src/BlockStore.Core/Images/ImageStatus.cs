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

/// <summary>Who may see an image: Glance's visibilities, without <c>community</c>.</summary>
public enum ImageVisibility
{
    Private,
    Public,
    /// <summary>Glance's default; without an image-members API here it is seen by its owner only, as <c>private</c> is.</summary>
    Shared,
}
