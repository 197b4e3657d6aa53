using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Services;

/// <summary>Clusters (3.7): none are configured here, so admins list none and find none, as in a Cinder without clusters.</summary>
public sealed class ClustersTests : ApiTest
{
    [Fact]
    public async Task Admins_list_no_cluster_and_find_none()
    {
        var t = NewTenant();
        foreach (var path in new[] { "clusters", "clusters/detail" })
        {
            var list = (await t.Admin.Get(path, "3.7")).ShouldHave(200).Json;
            list.Keys().ShouldBe(["clusters"]);
            list.GetProperty("clusters").GetArrayLength().ShouldBe(0);
        }
        (await t.Admin.Get("clusters/cluster@ceph?binary=cinder-volume", "3.7")).ShouldBeFault(404, "itemNotFound")
            .ShouldBe("Cluster cluster@ceph could not be found.");
        (await t.Admin.Put("clusters/disable", new { name = "c1", binary = "cinder-volume" }, "3.7")).ShouldBeFault(404, "itemNotFound")
            .ShouldBe("Cluster c1 could not be found.");
        (await t.Admin.Put("clusters/enable", new { binary = "cinder-volume" }, "3.7")).ShouldBeFault(400, "badRequest");
        (await t.Admin.Put("clusters/freeze", new { name = "c1" }, "3.7")).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task Clusters_are_for_admins_from_3_7()
    {
        var t = NewTenant();
        (await t.Member.Get("clusters", "3.7")).ShouldBeFault(403, "forbidden").ShouldBe("Policy doesn't allow clusters:get_all to be performed.");
        (await t.Member.Get("clusters/c1", "3.7")).ShouldBeFault(403, "forbidden");
        (await t.Member.Put("clusters/disable", new { name = "c1" }, "3.7")).ShouldBeFault(403, "forbidden");
        (await t.Admin.Get("clusters", "3.6")).ShouldBeFault(404, "itemNotFound");
    }
}
