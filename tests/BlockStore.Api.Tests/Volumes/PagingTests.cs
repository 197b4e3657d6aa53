using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Volumes;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>Keyset paging over thousands of rows: every row exactly once, whatever the sort, ties included.</summary>
public sealed class PagingTests : ApiTest
{
    private const int Rows = 2500;

    [Theory]
    [InlineData("")]
    [InlineData("&sort=name:asc")]
    [InlineData("&sort=display_name:desc")] // what cinderclient sends for --sort name:desc
    [InlineData("&sort_key=size&sort_dir=asc")]
    [InlineData("&sort=status,created_at:asc")]
    public async Task Paging_through_2500_volumes_100_at_a_time_returns_each_exactly_once(string sort)
    {
        var t = NewTenant();
        var seeded = await SeedAsync(t.ProjectId);

        var seen = new List<string>();
        var pages = 0;
        string? next = $"volumes/detail?limit=100&with_count=true{sort}";
        while (next is not null)
        {
            var page = (await t.Member.Get(next, "3.45")).ShouldHave(200).Json;
            page.GetProperty("count").GetInt32().ShouldBe(Rows);
            var volumes = page.GetProperty("volumes");
            volumes.GetArrayLength().ShouldBeLessThanOrEqualTo(100);
            seen.AddRange(volumes.EnumerateArray().Select(v => v.GetProperty("id").GetString()!));
            next = page.TryGetProperty("volumes_links", out var links) ? new Uri(links[0].GetProperty("href").GetString()!).PathAndQuery : null;
            (++pages).ShouldBeLessThan(40, "paging must end");
        }

        seen.Count.ShouldBe(Rows);
        seen.Distinct().Count().ShouldBe(Rows);
        seen.Order().ShouldBe(seeded.Order());
    }

    [Fact]
    public async Task A_marker_that_is_malformed_unknown_or_another_project_s_is_a_bad_request()
    {
        var t = NewTenant();
        var other = await Host.VolumeAsync(NewTenant().ProjectId);
        foreach (var marker in new[] { "nope", Guid.NewGuid().ToString(), other.Id.ToString() })
        {
            (await t.Member.Get($"volumes?marker={marker}")).ShouldBeFault(400, "badRequest")
                .ShouldBe($"Invalid input received: marker [{marker}] not found.");
        }
    }

    [Theory]
    [InlineData("limit=-1")]
    [InlineData("limit=abc")]
    [InlineData("offset=-5")]
    [InlineData("sort=colour:asc")]
    [InlineData("sort=name:sideways")]
    public async Task A_bad_paging_parameter_is_a_bad_request(string query)
    {
        var t = NewTenant();
        (await t.Member.Get($"volumes?{query}")).ShouldBeFault(400, "badRequest");
    }

    /// <summary>Rows straight into the table; timestamps repeat in threes, names in fifties, to test the tie-breaks.</summary>
    private async Task<List<string>> SeedAsync(string project)
    {
        var start = Seed.Now();
        var volumes = Enumerable.Range(0, Rows).Select(i => Host.NewVolume(project, i % 7 == 0 ? VolumeStatus.Error : VolumeStatus.Available,
            size: 1 + i % 5, name: i % 11 == 0 ? null : $"vol-{i % 50}", createdAt: start.AddMilliseconds(-(i / 3)))).ToList();
        await using var db = Host.NewDb();
        db.Volumes.AddRange(volumes);
        await db.SaveChangesAsync();
        return volumes.Select(v => v.Id.ToString()).ToList();
    }
}
