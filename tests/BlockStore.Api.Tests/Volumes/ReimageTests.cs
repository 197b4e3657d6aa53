using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary><c>os-reimage</c> (3.68): Cinder's checks, in Cinder's order and words, and what an accepted re-image commits.</summary>
public sealed class ReimageTests : ApiTest
{
    private const string V = "3.68";
    private const long GiB = 1L << 30;

    private static Dictionary<string, object> Reimage(object? imageId, object? reserved = null) =>
        Action("os-reimage", reserved is null ? new Dictionary<string, object?> { ["image_id"] = imageId }
            : new Dictionary<string, object?> { ["image_id"] = imageId, ["reimage_reserved"] = reserved });

    [Fact]
    public async Task An_accepted_reimage_moves_the_volume_to_downloading_and_reaches_the_bus()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId, VolumeStatus.Error);
        var image = await Host.ActiveImageAsync(t.ProjectId, virtualSize: GiB);
        await using var probe = await BusProbe.ListenAsync(typeof(ReimageVolume));

        (await t.Member.Post($"volumes/{volume.Id}/action", Reimage(image.Id), V)).ShouldHave(202);

        await using var db = Host.NewDb();
        var row = await db.Volumes.SingleAsync(v => v.Id == volume.Id);
        row.Status.ShouldBe(VolumeStatus.Downloading);
        row.PreviousStatus.ShouldBe(VolumeStatus.Error);
        row.ReimagingFrom.ShouldBe(image.Id);
        (await t.Member.Get($"volumes/{volume.Id}")).Json.GetProperty("volume").GetProperty("status").GetString().ShouldBe("downloading");
        var message = await probe.WaitForAsync(volume.Id.ToString(), TimeSpan.FromSeconds(15));
        message.ShouldNotBeNull("the outbox dispatcher should publish ReimageVolume within seconds of the commit");
        message.ShouldContain(image.Id.ToString());
        // Downloading: a second re-image and a delete are refused.
        (await t.Member.Post($"volumes/{volume.Id}/action", Reimage(image.Id), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {volume.Id} status must be available or error, but current status is downloading.");
        (await t.Member.Delete($"volumes/{volume.Id}")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task A_reserved_volume_is_reimaged_only_when_the_request_says_so()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId, VolumeStatus.Reserved);
        var image = await Host.ActiveImageAsync(t.ProjectId, virtualSize: GiB);
        var url = $"volumes/{volume.Id}/action";
        (await t.Member.Post(url, Reimage(image.Id), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {volume.Id} status must be available or error, but current status is reserved.");
        (await t.Member.Post(url, Reimage(image.Id, reserved: "false"), V)).ShouldBeFault(400, "badRequest");
        (await t.Member.Post(url, Reimage(image.Id, reserved: true), V)).ShouldHave(202);
        await using var db = Host.NewDb();
        (await db.Volumes.SingleAsync(v => v.Id == volume.Id)).PreviousStatus.ShouldBe(VolumeStatus.Reserved);
    }

    [Fact]
    public async Task A_reimage_is_refused_as_Cinder_refuses_it_and_changes_nothing()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId, size: 1);
        var fits = await Host.ActiveImageAsync(t.ProjectId, virtualSize: GiB);
        var tooBig = await Host.ActiveImageAsync(t.ProjectId, virtualSize: GiB + 1);
        var minDisk = await Host.ActiveImageAsync(t.ProjectId, virtualSize: GiB, minDisk: 2);
        var others = await Host.ActiveImageAsync(NewTenant().ProjectId, virtualSize: GiB);
        var url = $"volumes/{volume.Id}/action";

        (await t.Member.Post(url, Reimage(fits.Id), "3.67")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post(url, Reimage(null), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute os-reimage. 'image_id' is a required property");
        (await t.Member.Post(url, Reimage("not-a-uuid"), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute image_id. Value: not-a-uuid. 'not-a-uuid' is not a 'uuid'");
        (await t.Member.Post(url, Action("os-reimage", new { image_id = fits.Id, extra = 1 }), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Additional properties are not allowed ('extra' was unexpected)");
        (await t.Member.Post(url, Reimage(fits.Id, reserved: "maybe"), V)).ShouldBeFault(400, "badRequest");
        (await t.Reader.Post(url, Reimage(fits.Id), V)).ShouldBeFault(403, "forbidden");
        (await NewTenant().Member.Post(url, Reimage(fits.Id), V)).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post(url, Reimage(Guid.NewGuid()), V)).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post(url, Reimage(others.Id), V)).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Post(url, Reimage(tooBig.Id), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: Size of specified image 2GB is larger than volume size 1GB.");
        (await t.Member.Post(url, Reimage(minDisk.Id), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: Volume size 1GB cannot be smaller than the image minDisk size 2GB.");
        var attached = await Host.VolumeAsync(t.ProjectId, VolumeStatus.InUse);
        // The status is checked before the image, as in Cinder.
        (await t.Member.Post($"volumes/{attached.Id}/action", Reimage(tooBig.Id), V)).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {attached.Id} status must be available or error, but current status is in-use.");

        await using var db = Host.NewDb();
        var row = await db.Volumes.SingleAsync(v => v.Id == volume.Id);
        row.Status.ShouldBe(VolumeStatus.Available);
        row.ReimagingFrom.ShouldBeNull();
    }
}
