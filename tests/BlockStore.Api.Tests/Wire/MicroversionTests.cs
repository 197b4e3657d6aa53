using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Wire;

/// <summary>
/// <c>OpenStack-API-Version</c> negotiation (samples 09–12). The client under test checks on every reply
/// that the header and <c>Vary</c> come back, so each test here also covers that for its answers.
/// </summary>
public sealed class MicroversionTests : ApiTest
{
    [Fact]
    public async Task Without_a_header_the_request_is_3_0()
    {
        var t = NewTenant();
        (await t.Member.Get("volumes")).ShouldHave(200).Header("OpenStack-API-Version").ShouldBe("volume 3.0");
    }

    [Fact]
    public async Task Latest_is_3_70()
    {
        var t = NewTenant();
        (await t.Member.Get("volumes?limit=1", "latest")).ShouldHave(200).Header("OpenStack-API-Version").ShouldBe("volume 3.70");
    }

    [Theory]
    [InlineData("3.x", "3.x")]
    [InlineData("3", "3")]
    [InlineData("three.one", "three.one")]
    [InlineData("3.1.2", "3.1.2")]
    public async Task A_malformed_version_is_a_bad_request(string sent, string named)
    {
        var t = NewTenant();
        var reply = await t.Member.Get("volumes", sent);
        reply.ShouldBeFault(400, "badRequest").ShouldBe($"API Version String {named} is of invalid format. Must be of format MajorNum.MinorNum.");
        reply.Header("OpenStack-API-Version").ShouldBeNull("nothing was negotiated (sample 10)");
        reply.Header("Vary").ShouldBeNull();
    }

    [Theory]
    [InlineData("3.71", "volume 3.71")] // sample 09
    [InlineData("2.0", null)] // sample 11: another major version is not echoed
    [InlineData("4.0", null)]
    public async Task A_version_out_of_range_is_not_acceptable(string version, string? echoed)
    {
        var t = NewTenant();
        var reply = await t.Member.Get("volumes", version);
        reply.ShouldBeFault(406, "computeFault").ShouldBe($"Version {version} is not supported by the API. Minimum is 3.0 and maximum is 3.70.");
        reply.Header("OpenStack-API-Version").ShouldBe(echoed);
    }

    [Fact]
    public async Task The_volume_entry_is_picked_from_a_header_naming_several_services()
    {
        var t = NewTenant();
        (await t.Member.Send(HttpMethod.Get, "volumes", null, "3.45, compute 2.1")).ShouldHave(200)
            .Header("OpenStack-API-Version").ShouldBe("volume 3.45");
    }

    [Fact]
    public async Task Errors_of_every_kind_echo_the_negotiated_version()
    {
        var t = NewTenant();
        (await Host.RawClient(null, t.ProjectId).Get("volumes", "3.60")).ShouldHave(401).Header("OpenStack-API-Version").ShouldBe("volume 3.60");
        (await t.Member.Get($"volumes/{Guid.NewGuid()}", "3.61")).ShouldHave(404).Header("OpenStack-API-Version").ShouldBe("volume 3.61");
        (await t.Member.Post("volumes", "{\"volume\":", "3.62")).ShouldHave(400).Header("OpenStack-API-Version").ShouldBe("volume 3.62");
        (await t.Member.Post("volumes", new { volume = new { size = 5000 } }, "3.63")).ShouldHave(413).Header("OpenStack-API-Version").ShouldBe("volume 3.63");
        (await t.Reader.Post("volumes", new { volume = new { size = 1 } }, "3.64")).ShouldHave(403).Header("OpenStack-API-Version").ShouldBe("volume 3.64");
        (await t.Member.Get("nosuchthing", "3.65")).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task The_versions_document_answers_300_at_the_root()
    {
        var t = NewTenant();
        var reply = (await t.Member.Get("/")).ShouldHave(300);
        reply.Header("OpenStack-API-Version").ShouldBe("volume 3.0");
        (reply.Header("Vary") ?? "").ShouldContain("OpenStack-API-Version");
        var version = reply.Json.GetProperty("versions")[0];
        version.GetProperty("id").GetString().ShouldBe("v3.0");
        version.GetProperty("status").GetString().ShouldBe("CURRENT");
        version.GetProperty("version").GetString().ShouldBe("3.70");
        version.GetProperty("min_version").GetString().ShouldBe("3.0");
        version.GetProperty("media-types")[0].GetProperty("type").GetString().ShouldBe("application/vnd.openstack.volume+json;version=3");
        (await Host.RawClient(null, t.ProjectId).Get("/")).ShouldHave(300);
        (await t.Member.Get("/v3/")).ShouldHave(200).Json.GetProperty("versions")[0].GetProperty("id").GetString().ShouldBe("v3.0");
    }

    [Fact]
    public async Task Routes_without_a_project_in_the_url_use_the_token_s_project()
    {
        var t = NewTenant();
        var volume = await Host.VolumeAsync(t.ProjectId);
        var list = (await t.Member.Get("/v3/volumes/detail", "3.67")).ShouldHave(200).Json.GetProperty("volumes");
        list.GetArrayLength().ShouldBe(1);
        list[0].GetProperty("id").GetString().ShouldBe(volume.Id.ToString());
    }
}
