using BlockStore.Core.Errors;

namespace BlockStore.Core.Images;

/// <summary>
/// An image in the registry: Glance v2's record, plus where its data lives. Whatever the uploaded format,
/// the data is a raw RBD image <c>images/&lt;id&gt;</c> with a protected snapshot <see cref="SnapshotName"/>;
/// volumes are clones of that snapshot.
/// </summary>
public sealed class Image
{
    /// <summary>The snapshot every volume from an image is cloned from.</summary>
    public const string SnapshotName = "snap";

    public static readonly IReadOnlyList<string> DiskFormats = ["raw", "qcow2"];
    public static readonly IReadOnlyList<string> ContainerFormats = ["bare"];

    /// <summary>Tags an image may carry: Glance's default <c>image_tag_quota</c>.</summary>
    public const int MaxTags = 128;

    private Image() { }

    public Guid Id { get; private set; }
    /// <summary>The owning project (Glance's <c>owner</c>).</summary>
    public string ProjectId { get; private set; } = "";
    public string? Name { get; private set; }
    public ImageStatus Status { get; private set; }
    public ImageVisibility Visibility { get; private set; }
    public bool Protected { get; private set; }
    /// <summary>The format the data was uploaded in. The stored base is raw either way.</summary>
    public string DiskFormat { get; private set; } = "raw";
    public string ContainerFormat { get; private set; } = "bare";
    public int MinDisk { get; private set; }
    public int MinRam { get; private set; }
    /// <summary>Bytes uploaded (the qcow2 file's size for a qcow2 image).</summary>
    public long? Size { get; private set; }
    /// <summary>The guest disk's size: the raw base's size.</summary>
    public long? VirtualSize { get; private set; }
    /// <summary>MD5 of the uploaded bytes, hex (Glance's legacy <c>checksum</c>).</summary>
    public string? Checksum { get; private set; }
    /// <summary>SHA-512 of the uploaded bytes, hex (<c>os_hash_value</c>, algorithm <c>sha512</c>).</summary>
    public string? HashValue { get; private set; }
    /// <summary>Extra properties, as Glance keeps them: free-form string pairs.</summary>
    public Dictionary<string, string> Properties { get; private set; } = [];
    /// <summary>Glance's tags: a set of strings, each 1 to 255 characters, at most <see cref="MaxTags"/>.</summary>
    public List<string> Tags { get; private set; } = [];
    /// <summary>Why the image was killed, for the tenant.</summary>
    public string? KilledReason { get; private set; }
    /// <summary>The volume whose data became this image (<c>os-volume_upload_image</c>); null for an upload.</summary>
    public Guid? SourceVolumeId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }
    /// <summary>When the status last changed, or the upload last showed it was alive; the reconciler judges stuck uploads by it.</summary>
    public DateTime StatusChangedAt { get; private set; }
    /// <summary>Postgres xmin, the optimistic concurrency token.</summary>
    public uint Version { get; private set; }

    /// <summary>The RBD image that holds the data, in the images pool.</summary>
    public string BackendName => Id.ToString();

    /// <summary>
    /// Cinder's <c>volume_image_metadata</c> for a volume holding this image's data: its core fields and its extra
    /// properties, as strings.
    /// </summary>
    public Dictionary<string, string> VolumeMetadata()
    {
        var metadata = new Dictionary<string, string>(Properties)
        {
            ["image_id"] = Id.ToString(),
            ["image_name"] = Name ?? "",
            ["container_format"] = ContainerFormat,
            ["disk_format"] = DiskFormat,
            ["min_disk"] = MinDisk.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["min_ram"] = MinRam.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["size"] = (Size ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (Checksum is { } checksum) metadata["checksum"] = checksum;
        return metadata;
    }

    public static Image Create(string projectId, string? name, string diskFormat, string containerFormat, ImageVisibility visibility,
        bool isProtected, int minDisk, int minRam, IDictionary<string, string>? properties, DateTime now, IEnumerable<string>? tags = null)
    {
        Validate(diskFormat, containerFormat, minDisk, minRam);
        return new Image
        {
            Tags = TagSet(tags ?? []),
            Id = Guid.CreateVersion7(now),
            ProjectId = projectId,
            Name = name,
            DiskFormat = diskFormat,
            ContainerFormat = containerFormat,
            Visibility = visibility,
            Protected = isProtected,
            MinDisk = minDisk,
            MinRam = minRam,
            Properties = properties is null ? [] : new Dictionary<string, string>(properties),
            Status = ImageStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
            StatusChangedAt = now,
        };
    }

    /// <summary>An image made from a volume's data: it starts in <c>saving</c>, and the worker finishes it.</summary>
    public static Image FromVolume(string projectId, string name, string diskFormat, string containerFormat, ImageVisibility visibility,
        bool isProtected, Guid volumeId, int minDisk, DateTime now)
    {
        var image = Create(projectId, name, diskFormat, containerFormat, visibility, isProtected, minDisk, 0, null, now);
        image.SourceVolumeId = volumeId;
        image.MoveTo(ImageStatus.Saving, now);
        return image;
    }

    /// <summary>
    /// Glance's image update (<c>PATCH</c>): the record's editable fields. The formats describe the data, so they change
    /// only while the image has none (<c>queued</c>), as in Glance.
    /// </summary>
    public void Update(string? name, ImageVisibility visibility, bool isProtected, int minDisk, int minRam, string diskFormat, string containerFormat,
        IDictionary<string, string> properties, DateTime now)
    {
        if ((diskFormat != DiskFormat || containerFormat != ContainerFormat) && Status != ImageStatus.Queued)
            throw new ForbiddenException($"Attribute '{(diskFormat != DiskFormat ? "disk_format" : "container_format")}' can be only replaced for a queued image.");
        Validate(diskFormat, containerFormat, minDisk, minRam);
        Name = name;
        Visibility = visibility;
        Protected = isProtected;
        MinDisk = minDisk;
        MinRam = minRam;
        DiskFormat = diskFormat;
        ContainerFormat = containerFormat;
        Properties = new Dictionary<string, string>(properties);
        UpdatedAt = now;
    }

    /// <summary>Replaces the tags (a PATCH of <c>/tags</c>); duplicates count once.</summary>
    /// <exception cref="InvalidRequestException">A tag is empty or longer than 255 characters.</exception>
    /// <exception cref="QuotaExceededException">More than <see cref="MaxTags"/> tags.</exception>
    public void SetTags(IEnumerable<string> tags, DateTime now)
    {
        Tags = TagSet(tags);
        UpdatedAt = now;
    }

    /// <summary>Adds a tag; one the image has already is left as it is (Glance's <c>PUT …/tags/{tag}</c> is idempotent).</summary>
    public void AddTag(string tag, DateTime now)
    {
        if (!Tags.Contains(tag, StringComparer.Ordinal)) SetTags([.. Tags, tag], now);
    }

    /// <summary>Removes a tag; false when the image does not have it.</summary>
    public bool RemoveTag(string tag, DateTime now)
    {
        if (!Tags.Contains(tag, StringComparer.Ordinal)) return false;
        SetTags(Tags.Where(t => t != tag), now);
        return true;
    }

    private static List<string> TagSet(IEnumerable<string> tags)
    {
        var set = tags.Distinct(StringComparer.Ordinal).ToList();
        if (set.Any(t => t.Length is 0 or > 255)) throw new InvalidRequestException("Invalid value for 'tags': each tag is 1 to 255 characters.");
        if (set.Count > MaxTags) throw new QuotaExceededException($"Maximum number of tags exceeded. Attempted: {set.Count}, Maximum: {MaxTags}");
        return set;
    }

    private static void Validate(string diskFormat, string containerFormat, int minDisk, int minRam)
    {
        if (!DiskFormats.Contains(diskFormat))
            throw new InvalidRequestException($"Invalid value '{diskFormat}' for parameter 'disk_format': must be one of {string.Join(", ", DiskFormats)}.");
        if (!ContainerFormats.Contains(containerFormat))
            throw new InvalidRequestException($"Invalid value '{containerFormat}' for parameter 'container_format': must be one of {string.Join(", ", ContainerFormats)}.");
        if (minDisk < 0 || minRam < 0) throw new InvalidRequestException("min_disk and min_ram must be zero or more.");
    }

    /// <summary>Whether the project sees the image without being one of its members (<see cref="ImageMember"/>).</summary>
    public bool IsVisibleTo(string projectId, bool isAdmin) =>
        isAdmin || ProjectId == projectId || Visibility is ImageVisibility.Public or ImageVisibility.Community;

    /// <summary>Glance answers 409 to an upload into an image that is not <c>queued</c>.</summary>
    public void BeginUpload(DateTime now)
    {
        if (Status != ImageStatus.Queued)
            throw new ConflictException($"Image status transition from {Status.ToWire()} to saving is not allowed; data can only be uploaded to a queued image.");
        MoveTo(ImageStatus.Saving, now);
    }

    public void Activate(long size, long virtualSize, string? checksum, string? hashValue, DateTime now)
    {
        RequireSaving("activate");
        Size = size;
        VirtualSize = virtualSize;
        Checksum = checksum;
        HashValue = hashValue;
        MoveTo(ImageStatus.Active, now);
    }

    public void Kill(string reason, DateTime now)
    {
        RequireSaving("kill");
        KilledReason = reason;
        MoveTo(ImageStatus.Killed, now);
    }

    /// <summary>Glance refuses to delete a protected image with 403.</summary>
    public void RequireDeletable()
    {
        if (Protected) throw new ForbiddenException($"Image {Id} is protected and cannot be deleted.");
    }

    /// <summary>Volumes can be made only from an active image.</summary>
    public void RequireActive()
    {
        if (Status != ImageStatus.Active) throw new InvalidRequestException($"Invalid input received: Image {Id} is not active.");
    }

    /// <summary>Touch the row so that the reconciler sees the upload as alive.</summary>
    public void Heartbeat(DateTime now) => StatusChangedAt = now;

    private void RequireSaving(string action)
    {
        if (Status != ImageStatus.Saving)
            throw new ConflictException($"Image {Id} must be saving to {action}, but is {Status.ToWire()}.");
    }

    private void MoveTo(ImageStatus next, DateTime now)
    {
        Status = next;
        UpdatedAt = now;
        StatusChangedAt = now;
    }
}
