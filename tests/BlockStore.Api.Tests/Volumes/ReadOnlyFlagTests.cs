using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Volumes;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary><c>os-update_readonly_flag</c>: recorded and shown in the volume's metadata as Cinder shows it.</summary>
public sealed class ReadOnlyFlagTests : ApiTest
{
    [Fact]
    public async Task The_flag_shows_in_the_volume_s_metadata_next_to_its_own_once_set()
    {
        var t = NewTenant();
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await t.Member.Post($"volumes/{v}/metadata", new { metadata = new { purpose = "db" } })).ShouldHave(200);
        (await t.Member.Get($"volumes/{v}")).Json.GetProperty("volume").GetProperty("metadata").TryGetProperty("readonly", out _).ShouldBeFalse();

        (await t.Member.Post($"volumes/{v}/action", Action("os-update_readonly_flag", new { @readonly = true }))).ShouldHave(202);
        var shown = (await t.Reader.Get($"volumes/{v}")).Json.GetProperty("volume").GetProperty("metadata");
        shown.GetProperty("readonly").GetString().ShouldBe("True");
        shown.GetProperty("purpose").GetString().ShouldBe("db");
        var listed = (await t.Member.Get("volumes/detail")).Json.GetProperty("volumes")[0].GetProperty("metadata");
        listed.GetProperty("readonly").GetString().ShouldBe("True");
        // The metadata sub-resource is the volume's own, as in Cinder.
        (await t.Member.Get($"volumes/{v}/metadata")).Json.GetProperty("metadata").TryGetProperty("readonly", out _).ShouldBeFalse();

        (await t.Member.Post($"volumes/{v}/action", Action("os-update_readonly_flag", new { @readonly = "False" }))).ShouldHave(202);
        (await t.Member.Get($"volumes/{v}")).Json.GetProperty("volume").GetProperty("metadata").GetProperty("readonly").GetString().ShouldBe("False");
    }

    [Fact]
    public async Task The_flag_is_refused_unless_available_or_without_a_value_and_to_readers()
    {
        var t = NewTenant();
        var busy = (await Host.VolumeAsync(t.ProjectId, VolumeStatus.Extending)).Id;
        (await t.Member.Post($"volumes/{busy}/action", Action("os-update_readonly_flag", new { @readonly = true }))).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {busy} status must be available to update readonly flag, but current status is: extending.");
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await t.Member.Post($"volumes/{v}/action", Action("os-update_readonly_flag", new { }))).ShouldBeFault(400, "badRequest").ShouldContain("readonly");
        (await t.Member.Post($"volumes/{v}/action", Action("os-update_readonly_flag", new { @readonly = "maybe" }))).ShouldHave(400);
        (await t.Reader.Post($"volumes/{v}/action", Action("os-update_readonly_flag", new { @readonly = true }))).ShouldBeFault(403, "forbidden");
        (await t.Member.Get($"volumes/{v}")).Json.GetProperty("volume").GetProperty("metadata").TryGetProperty("readonly", out _).ShouldBeFalse();
    }
}
