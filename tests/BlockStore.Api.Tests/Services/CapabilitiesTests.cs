using BlockStore.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Api.Tests.Services;

/// <summary><c>capabilities/{host}</c>: a volume service's backend in the shape of Cinder's capabilities view, for admins.</summary>
public sealed class CapabilitiesTests : ApiTest
{
    [Fact]
    public async Task An_admin_reads_a_service_s_capabilities_by_its_host_with_or_without_the_pool()
    {
        var t = NewTenant();
        var host = $"caps-{Guid.NewGuid():N}";
        await Host.ServicesAsync(Seed.Service($"{host}@ceph", backendUp: true, DateTime.UtcNow));
        try
        {
            foreach (var asked in new[] { $"{host}@ceph", $"{host}@ceph%23volumes" })
            {
                var caps = (await t.Admin.Get($"capabilities/{asked}")).ShouldHave(200).Json;
                caps.Keys().ShouldBe(["namespace", "vendor_name", "volume_backend_name", "pool_name", "driver_version", "storage_protocol",
                    "display_name", "description", "visibility", "properties"]);
                caps.GetProperty("namespace").GetString().ShouldBe($"OS::Storage::Capabilities::{host}@ceph");
                caps.GetProperty("volume_backend_name").GetString().ShouldBe("ceph");
                caps.GetProperty("pool_name").GetString().ShouldBe("volumes");
                caps.GetProperty("storage_protocol").GetString().ShouldBe("ceph");
                caps.GetProperty("properties").EnumerateObject().ShouldBeEmpty();
            }
            (await t.Admin.Get($"capabilities/{host}@nothing")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Can't find service: {host}@nothing");
            (await t.Member.Get($"capabilities/{host}@ceph")).ShouldBeFault(403, "forbidden");
        }
        finally
        {
            await using var db = Host.NewDb();
            await db.Services.Where(s => s.Host.StartsWith(host)).ExecuteDeleteAsync();
        }
    }
}
