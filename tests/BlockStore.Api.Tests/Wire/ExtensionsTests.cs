using BlockStore.Api.Tests.Infrastructure;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Wire;

/// <summary>The extensions list, in Cinder's shape, naming what is served and nothing that is not.</summary>
public sealed class ExtensionsTests : ApiTest
{
    [Fact]
    public async Task Every_caller_reads_the_served_extensions_in_Cinder_s_shape()
    {
        var t = NewTenant();
        var extensions = (await t.Reader.Get("extensions")).ShouldHave(200).Json.GetProperty("extensions").EnumerateArray().ToList();
        foreach (var e in extensions)
        {
            e.Keys().ShouldBe(["alias", "description", "links", "name", "updated"]);
            e.GetProperty("links").GetArrayLength().ShouldBe(0);
            DateTimeOffset.Parse(e.GetProperty("updated").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        }
        var names = extensions.Select(e => e.GetProperty("name").GetString()).ToList();
        names.ShouldContain("AvailabilityZones");
        names.ShouldContain("Quotas");
        names.ShouldContain("AdminActions");
        names.ShouldContain("Scheduler_stats");
        names.ShouldContain("VolumeTransfer");
        names.ShouldContain("Qos_specs_manage");
        names.ShouldContain("Backups");
        names.ShouldBeUnique();
    }

    [Theory]
    [InlineData("Consistencygroups", "consistencygroups")]
    public async Task What_cannot_be_made_is_not_listed_though_its_list_answers_empty(string name, string path)
    {
        var t = NewTenant();
        (await t.Admin.Get(path)).ShouldHave(200);
        (await t.Admin.Get("extensions")).ShouldHave(200).Json.GetProperty("extensions").EnumerateArray()
            .Select(e => e.GetProperty("name").GetString()).ShouldNotContain(name);
    }
}
