using BlockStore.Core.Errors;

namespace BlockStore.Core.Images;

/// <summary>
/// A project a <c>shared</c> image is offered to (Glance's image member). The owner adds and removes members; a member
/// accepts or rejects the offer. Whatever its status, a member finds the image by id and can make volumes from it; it
/// is listed to the member by default only once accepted, as in Glance.
/// </summary>
public sealed class ImageMember
{
    /// <summary>Members an image may have: Glance's default <c>image_member_quota</c>.</summary>
    public const int MaxPerImage = 128;

    private ImageMember() { }

    public Guid ImageId { get; private set; }
    /// <summary>The project the image is shared with (Glance's <c>member_id</c>).</summary>
    public string MemberId { get; private set; } = "";
    public ImageMemberStatus Status { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    /// <summary>A new offer, <c>pending</c> until the member answers it.</summary>
    /// <exception cref="ForbiddenException">The image is not <c>shared</c>.</exception>
    /// <exception cref="InvalidRequestException">The member is empty or longer than 255 characters.</exception>
    public static ImageMember Offer(Image image, string memberId, DateTime now)
    {
        RequireShared(image);
        if (string.IsNullOrWhiteSpace(memberId)) throw new InvalidRequestException("Member can't be empty");
        if (memberId.Length > 255) throw new InvalidRequestException("Member is longer than 255 characters.");
        return new ImageMember { ImageId = image.Id, MemberId = memberId, Status = ImageMemberStatus.Pending, CreatedAt = now, UpdatedAt = now };
    }

    /// <summary>The member's answer to the offer; it may change its mind at any time.</summary>
    public void Answer(ImageMemberStatus status, DateTime now)
    {
        Status = status;
        UpdatedAt = now;
    }

    /// <summary>Only a <c>shared</c> image has members (Glance's 403 message).</summary>
    public static void RequireShared(Image image)
    {
        if (image.Visibility != ImageVisibility.Shared) throw new ForbiddenException("Only shared images have members.");
    }

    /// <summary>
    /// The SQL condition under which the image aliased <paramref name="image"/> is shared with the project <c>@project</c>
    /// and its membership has the status <c>@member_status</c> (any status when that is <c>all</c>).
    /// </summary>
    public static string SharedWithSql(string image) =>
        $"({image}.visibility = 'shared' AND EXISTS (SELECT 1 FROM blockstore.image_members m WHERE m.image_id = {image}.id " +
        "AND m.member_id = @project AND (@member_status = 'all' OR m.status = @member_status)))";
}

/// <summary>Glance's member statuses.</summary>
public enum ImageMemberStatus
{
    Pending,
    Accepted,
    Rejected,
}

public static class ImageMemberStatusNames
{
    public static string ToWire(this ImageMemberStatus status) => status switch
    {
        ImageMemberStatus.Pending => "pending",
        ImageMemberStatus.Accepted => "accepted",
        _ => "rejected",
    };

    /// <summary>A status as Glance spells it; null for anything else.</summary>
    public static ImageMemberStatus? TryParse(string? wire) => wire switch
    {
        "pending" => ImageMemberStatus.Pending,
        "accepted" => ImageMemberStatus.Accepted,
        "rejected" => ImageMemberStatus.Rejected,
        _ => null,
    };
}
