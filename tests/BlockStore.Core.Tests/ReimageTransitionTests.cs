using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

/// <summary>Re-imaging (<c>os-reimage</c>): which statuses may start one, where it ends, and that only a running one names its image.</summary>
public sealed class ReimageTransitionTests
{
    private static readonly DateTime Now = new(2026, 11, 26, 3, 0, 0, DateTimeKind.Utc);
    private static readonly Dictionary<string, string> Metadata = new() { ["image_id"] = "i" };

    private static Volume In(VolumeStatus status)
    {
        var v = Volume.Create("p", "u", 1, "v", null, Guid.NewGuid(), "ceph", "nova", null, null, null, Now);
        v.ResetStatus(status, null, setMigrationStatus: false, Now);
        return v;
    }

    [Theory]
    [InlineData(VolumeStatus.Available, false, VolumeStatus.Available)]
    [InlineData(VolumeStatus.Error, false, VolumeStatus.Available)]
    [InlineData(VolumeStatus.Reserved, true, VolumeStatus.Reserved)]
    public void A_reimage_starts_downloading_and_ends_available_or_reserved_with_the_image_s_metadata(VolumeStatus from, bool reserved, VolumeStatus end)
    {
        var v = In(from);
        var image = Guid.NewGuid();
        v.BeginReimage(image, reserved, Now);
        v.Status.ShouldBe(VolumeStatus.Downloading);
        v.ReimagingFrom.ShouldBe(image);
        v.CompleteReimage(Metadata, Now);
        v.Status.ShouldBe(end);
        v.ImageMetadata.ShouldBe(Metadata);
        v.ReimagingFrom.ShouldBeNull();
    }

    [Theory]
    [InlineData(VolumeStatus.InUse, true)]
    [InlineData(VolumeStatus.Reserved, false)]
    [InlineData(VolumeStatus.Creating, true)]
    [InlineData(VolumeStatus.Downloading, true)]
    public void Other_statuses_are_refused_with_cinders_message(VolumeStatus from, bool reserved)
    {
        var v = In(from);
        Should.Throw<InvalidVolumeStateException>(() => v.BeginReimage(Guid.NewGuid(), reserved, Now)).Message
            .ShouldContain($"status must be {(reserved ? "available or error or reserved" : "available or error")}, but current status is {from.ToWire()}.");
    }

    [Fact]
    public void A_failed_or_reset_reimage_forgets_its_image()
    {
        var failed = In(VolumeStatus.Available);
        failed.BeginReimage(Guid.NewGuid(), false, Now);
        failed.MarkFailed(VolumeStatus.Error, Now);
        failed.ReimagingFrom.ShouldBeNull();

        var reset = In(VolumeStatus.Available);
        reset.BeginReimage(Guid.NewGuid(), false, Now);
        reset.ResetStatus(VolumeStatus.Available, null, setMigrationStatus: false, Now);
        reset.ReimagingFrom.ShouldBeNull();
    }
}
