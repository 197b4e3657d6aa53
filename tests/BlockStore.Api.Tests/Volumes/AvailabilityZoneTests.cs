using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Services;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>The deployment's one availability zone: listed as Cinder lists zones, and where every volume goes.</summary>
public sealed class AvailabilityZoneTests : ApiTest
{
    [Fact]
    public async Task Every_caller_lists_the_one_zone_in_Cinder_s_shape_available_while_a_volume_service_is_up()
    {
        var t = NewTenant();
        // A worker's heartbeat, as the worker stamps it (no worker runs in these tests).
        var host = $"az-{Guid.NewGuid():N}@ceph";
        await using var db = Host.NewDb();
        db.Services.Add(new ServiceRecord { Host = host, Zone = "nova", BackendUp = true, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        try
        {
            await ListsTheZoneAsync(t);
        }
        finally
        {
            await db.Services.Where(s => s.Host == host).ExecuteDeleteAsync();
        }
    }

    private static async Task ListsTheZoneAsync(Tenant t)
    {
        foreach (var path in new[] { "os-availability-zone", "/v3/os-availability-zone" })
        {
            var zones = (await t.Reader.Get(path)).ShouldHave(200).Json;
            zones.Keys().ShouldBe(["availabilityZoneInfo"]);
            var zone = zones.GetProperty("availabilityZoneInfo").EnumerateArray().ShouldHaveSingleItem();
            zone.Keys().ShouldBe(["zoneName", "zoneState"]);
            zone.GetProperty("zoneName").GetString().ShouldBe("nova");
            zone.GetProperty("zoneState").GetProperty("available").GetBoolean().ShouldBeTrue();
        }
    }

    [Fact]
    public async Task A_volume_goes_in_the_zone_whether_it_names_it_or_not_and_a_type_listing_it_is_accepted()
    {
        var t = NewTenant();
        var type = Unique("zoned");
        await t.CreateTypeAsync(type, new() { ["RESKEY:availability_zones"] = "az1,nova" });

        foreach (var volume in new object[]
        {
            new { size = 1 },
            new { size = 1, availability_zone = "nova" },
            new { size = 1, availability_zone = "nova", volume_type = type },
        })
        {
            var created = (await t.Member.Post("volumes", new { volume })).ShouldHave(202).Json.GetProperty("volume");
            created.GetProperty("availability_zone").GetString().ShouldBe("nova");
            var id = created.GetProperty("id").GetString();
            (await t.Member.Get($"volumes/{id}")).ShouldHave(200).Json.GetProperty("volume").GetProperty("availability_zone").GetString().ShouldBe("nova");
        }
    }
}
