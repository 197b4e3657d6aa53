using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>A volume's <c>volume_image_metadata</c>: the three actions that manage it, and clones carrying it along.</summary>
public sealed class ImageMetadataTests : ApiTest
{
    [Fact]
    public async Task Image_metadata_is_set_shown_and_unset_and_the_volume_shows_it_while_there_is_some()
    {
        var t = NewTenant();
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        Task<Reply> Act(string name, object args) => t.Member.Post($"volumes/{v}/action", Action(name, args));

        (await Act("os-show_image_metadata", new { })).ShouldHave(200).Json.GetProperty("metadata").EnumerateObject().ShouldBeEmpty();
        var set = (await Act("os-set_image_metadata", new { metadata = new Dictionary<string, string> { ["hw_disk_bus"] = "scsi", ["os_type"] = "linux" } }))
            .ShouldHave(200).Json.GetProperty("metadata");
        set.GetProperty("hw_disk_bus").GetString().ShouldBe("scsi");
        (await Act("os-set_image_metadata", new { metadata = new { os_type = "windows" } })).ShouldHave(200)
            .Json.GetProperty("metadata").GetProperty("os_type").GetString().ShouldBe("windows");
        var shown = (await t.Reader.Get($"volumes/{v}")).ShouldHave(200).Json.GetProperty("volume").GetProperty("volume_image_metadata");
        shown.GetProperty("hw_disk_bus").GetString().ShouldBe("scsi");
        shown.GetProperty("os_type").GetString().ShouldBe("windows");
        (await t.Reader.Post($"volumes/{v}/action", Action("os-show_image_metadata", new { }))).ShouldHave(200)
            .Json.GetProperty("metadata").GetProperty("os_type").GetString().ShouldBe("windows");

        (await Act("os-unset_image_metadata", new { key = "hw_disk_bus" })).ShouldHave(200);
        (await Act("os-unset_image_metadata", new { key = "os_type" })).ShouldHave(200);
        (await t.Member.Get($"volumes/{v}")).Json.GetProperty("volume").TryGetProperty("volume_image_metadata", out _).ShouldBeFalse();
        (await Act("os-unset_image_metadata", new { key = "os_type" })).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"Glance metadata for volume/snapshot {v} cannot be found.");
    }

    [Theory]
    [InlineData("""{"os-set_image_metadata": {}}""", "'metadata' is a required property")]
    [InlineData("""{"os-set_image_metadata": {"metadata": {"a*b": "x"}}}""", "Key 'a*b'")]
    [InlineData("""{"os-set_image_metadata": {"metadata": {"": "x"}}}""", "keys are 1 to 255")]
    [InlineData("""{"os-unset_image_metadata": {}}""", "'key' must be a string")]
    [InlineData("""{"os-unset_image_metadata": {"key": ""}}""", "'key' must be a string")]
    public async Task Bad_image_metadata_requests_are_refused_and_change_nothing(string body, string message)
    {
        var t = NewTenant();
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await t.Member.Post($"volumes/{v}/action", body)).ShouldBeFault(400, "badRequest").ShouldContain(message);
        await using var db = Host.NewDb();
        (await db.Volumes.SingleAsync(x => x.Id == v)).ImageMetadata.ShouldBeNull();
    }

    [Fact]
    public async Task Neither_metadata_changes_while_the_volume_is_uploaded_to_an_image()
    {
        var t = NewTenant();
        var v = (await Host.VolumeAsync(t.ProjectId, VolumeStatus.Uploading)).Id;
        const string refused = "Invalid volume: Updating volume metadata is not allowed for volumes in uploading status.";
        (await t.Member.Post($"volumes/{v}/action", Action("os-set_image_metadata", new { metadata = new { a = "1" } })))
            .ShouldBeFault(400, "badRequest").ShouldBe(refused);
        (await t.Member.Post($"volumes/{v}/metadata", new { metadata = new { a = "1" } })).ShouldBeFault(400, "badRequest").ShouldBe(refused);
    }

    [Fact]
    public async Task A_clone_of_a_bootable_volume_or_of_its_snapshot_is_bootable_and_carries_the_image_metadata()
    {
        var t = NewTenant();
        var source = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await t.Member.Post($"volumes/{source}/action", Action("os-set_bootable", new { bootable = true }))).ShouldHave(200);
        (await t.Member.Post($"volumes/{source}/action", Action("os-set_image_metadata", new { metadata = new { image_name = "golden" } }))).ShouldHave(200);
        Volume loaded;
        await using (var db = Host.NewDb()) loaded = await db.Volumes.SingleAsync(x => x.Id == source);
        var snapshot = await Host.SnapshotAsync(loaded);
        // Changed after the snapshot: a clone of the snapshot keeps the record as it was at the snapshot.
        (await t.Member.Post($"volumes/{source}/action", Action("os-set_image_metadata", new { metadata = new { image_name = "newer" } }))).ShouldHave(200);

        var fromVolume = (await t.Member.Post("volumes", new { volume = new { size = 1, source_volid = source } })).ShouldHave(202).Json.GetProperty("volume");
        fromVolume.GetProperty("bootable").GetString().ShouldBe("true");
        fromVolume.GetProperty("volume_image_metadata").GetProperty("image_name").GetString().ShouldBe("newer");
        var fromSnapshot = (await t.Member.Post("volumes", new { volume = new { size = 1, snapshot_id = snapshot.Id } })).ShouldHave(202).Json.GetProperty("volume");
        fromSnapshot.GetProperty("bootable").GetString().ShouldBe("true");
        fromSnapshot.GetProperty("volume_image_metadata").GetProperty("image_name").GetString().ShouldBe("golden");
    }

    [Fact]
    public async Task A_clone_of_a_volume_that_is_not_bootable_is_not_and_has_no_image_metadata()
    {
        var t = NewTenant();
        var source = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await t.Member.Post($"volumes/{source}/action", Action("os-set_image_metadata", new { metadata = new { image_name = "golden" } }))).ShouldHave(200);
        var clone = (await t.Member.Post("volumes", new { volume = new { size = 1, source_volid = source } })).ShouldHave(202).Json.GetProperty("volume");
        clone.GetProperty("bootable").GetString().ShouldBe("false");
        clone.TryGetProperty("volume_image_metadata", out _).ShouldBeFalse();
    }
}
