using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Tenancy;

/// <summary><c>all_tenants</c> with <c>project_id</c>, as openstackclient's <c>--project</c> sends them: an admin's narrowing, no one else's.</summary>
public sealed class AllTenantsTests : ApiTest
{
    [Theory]
    [InlineData("volumes")]
    [InlineData("volumes/detail")]
    [InlineData("snapshots/detail")]
    public async Task An_admin_narrows_all_tenants_to_one_project_and_a_member_sees_only_their_own(string list)
    {
        var a = NewTenant();
        var b = NewTenant();
        var (mine, theirs) = list.StartsWith("snapshots")
            ? ((await Host.SnapshotAsync(await Host.VolumeAsync(a.ProjectId))).Id, (await Host.SnapshotAsync(await Host.VolumeAsync(b.ProjectId))).Id)
            : ((await Host.VolumeAsync(a.ProjectId)).Id, (await Host.VolumeAsync(b.ProjectId)).Id);
        var collection = list.Split('/')[0];

        (await IdsAsync(a.Admin, $"{list}?all_tenants=True&project_id={b.ProjectId}", collection)).ShouldBe([theirs]);
        var everyone = await IdsAsync(a.Admin, $"{list}?all_tenants=True&limit=1000", collection);
        everyone.ShouldContain(mine);
        everyone.ShouldContain(theirs);
        (await IdsAsync(a.Member, $"{list}?all_tenants=True&project_id={b.ProjectId}", collection)).ShouldBe([mine]);
    }

    private static async Task<List<Guid>> IdsAsync(ApiClient client, string path, string collection) =>
        (await client.Get(path)).ShouldHave(200).Json.GetProperty(collection).EnumerateArray().Select(v => v.GetProperty("id").GetGuid()).ToList();
}
