using BlockStore.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Types;

/// <summary>QoS specs (admins): Cinder's routes and answers, their types, and the front-end limits a volume's consumer receives.</summary>
public sealed class QosSpecsTests : ApiTest
{
    [Fact]
    public async Task Front_end_specs_of_a_volume_s_type_reach_its_consumer_scaled_to_its_size()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var name = Unique("gold");
        var created = (await t.Admin.Post("qos-specs", new Dictionary<string, object>
        {
            ["qos_specs"] = new Dictionary<string, string>
            {
                ["name"] = $" {name} ", ["consumer"] = "front-end", ["total_iops_sec_per_gb"] = "100", ["total_iops_sec_max"] = "250",
                ["read_bytes_sec"] = "1048576",
            },
        })).ShouldHave(200).Json;
        created.Keys().ShouldBe(["qos_specs", "links"]);
        var specs = created.GetProperty("qos_specs");
        var id = specs.GetProperty("id").GetString()!;
        specs.GetProperty("name").GetString().ShouldBe(name);
        specs.GetProperty("consumer").GetString().ShouldBe("front-end");
        specs.GetProperty("specs").Keys().ShouldBe(["total_iops_sec_per_gb", "total_iops_sec_max", "read_bytes_sec"], ignoreOrder: true);
        (await t.Admin.Get($"qos-specs/{id}")).ShouldHave(200).Json.GetProperty("qos_specs").GetProperty("name").GetString().ShouldBe(name);
        (await t.Admin.Get("qos-specs")).ShouldHave(200).Body.ShouldContain(id);

        var typeName = Unique("qos-type");
        var typeId = await t.CreateTypeAsync(typeName);
        (await t.Admin.Get($"qos-specs/{id}/associate?vol_type_id={typeId}")).ShouldHave(202);
        (await t.Admin.Get($"qos-specs/{id}/associate?vol_type_id={typeId}")).ShouldHave(202);
        var association = (await t.Admin.Get($"qos-specs/{id}/associations")).ShouldHave(200).Json.GetProperty("qos_associations")
            .EnumerateArray().ShouldHaveSingleItem();
        association.GetProperty("association_type").GetString().ShouldBe("volume_type");
        association.GetProperty("id").GetString().ShouldBe(typeId);
        association.GetProperty("name").GetString().ShouldBe(typeName);
        (await t.Admin.Get($"types/{typeId}")).Json.GetProperty("volume_type").GetProperty("qos_specs_id").GetString().ShouldBe(id);

        var small = await VolumeOfTypeAsync(t, typeId, size: 2);
        var large = await VolumeOfTypeAsync(t, typeId, size: 5);
        var qos = await QosOfAsync(t, small);
        qos.GetProperty("total_iops_sec").GetString().ShouldBe("200");
        qos.GetProperty("read_bytes_sec").GetString().ShouldBe("1048576");
        qos.Keys().ShouldNotContain("total_iops_sec_per_gb");
        (await QosOfAsync(t, large)).GetProperty("total_iops_sec").GetString().ShouldBe("250", "capped at total_iops_sec_max");

        // Back-end specs stay with the backend: the consumer gets none.
        (await t.Admin.Put($"qos-specs/{id}", new { qos_specs = new Dictionary<string, string> { ["consumer"] = "back-end", ["k"] = "v" } }))
            .ShouldHave(200).Json.GetProperty("qos_specs").GetProperty("k").GetString().ShouldBe("v");
        (await InitializeAsync(t, small)).GetProperty("qos_specs").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        (await t.Admin.Put($"qos-specs/{id}/delete_keys", new { keys = new[] { "k", "read_bytes_sec" } })).ShouldHave(202);
        var shown = (await t.Admin.Get($"qos-specs/{id}")).Json.GetProperty("qos_specs");
        shown.GetProperty("consumer").GetString().ShouldBe("back-end");
        shown.GetProperty("specs").Keys().ShouldBe(["total_iops_sec_per_gb", "total_iops_sec_max"], ignoreOrder: true);

        (await t.Admin.Delete($"qos-specs/{id}")).ShouldBeFault(400, "badRequest").ShouldBe("Qos specs still in use.");
        (await t.Admin.Get($"qos-specs/{id}/disassociate?vol_type_id={typeId}")).ShouldHave(202);
        (await t.Admin.Get($"types/{typeId}")).Json.GetProperty("volume_type").GetProperty("qos_specs_id").ValueKind
            .ShouldBe(System.Text.Json.JsonValueKind.Null);
        (await InitializeAsync(t, small)).GetProperty("qos_specs").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        (await t.Admin.Get($"qos-specs/{id}/associate?vol_type_id={typeId}")).ShouldHave(202);
        (await t.Admin.Get($"qos-specs/{id}/disassociate_all")).ShouldHave(202);
        (await t.Admin.Get($"qos-specs/{id}/associations")).Json.GetProperty("qos_associations").GetArrayLength().ShouldBe(0);
        (await t.Admin.Get($"qos-specs/{id}/associate?vol_type_id={typeId}")).ShouldHave(202);
        (await t.Admin.Delete($"qos-specs/{id}?force=True")).ShouldHave(202);
        (await t.Admin.Get($"qos-specs/{id}")).ShouldBeFault(404, "itemNotFound").ShouldBe($"No such QoS spec {id}.");
        (await t.Admin.Get($"types/{typeId}")).Json.GetProperty("volume_type").GetProperty("qos_specs_id").ValueKind
            .ShouldBe(System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task Bad_requests_are_refused_as_Cinder_refuses_them()
    {
        var t = NewTenant();
        var name = Unique("silver");
        (await t.Member.Post("qos-specs", new { qos_specs = new { name } })).ShouldBeFault(403, "forbidden")
            .ShouldBe("Policy doesn't allow volume_extension:qos_specs_manage:create to be performed.");
        (await t.Member.Get("qos-specs")).ShouldBeFault(403, "forbidden");
        (await t.Admin.Post("qos-specs", new { qos_specs = new { consumer = "front-end" } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input for field/attribute qos_specs. 'name' is a required property");
        (await t.Admin.Post("qos-specs", new { qos_specs = new { name, consumer = "sideways" } })).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid qos specs: Valid consumer of QoS specs are: ['front-end', 'back-end', 'both']");
        (await t.Admin.Post("qos-specs", new { qos_specs = new { name, total_iops_sec = 5 } })).ShouldBeFault(400, "badRequest");
        (await t.Admin.Post("qos-specs", new { specs = new { name } })).ShouldBeFault(400, "badRequest");
        var id = (await t.Admin.Post("qos-specs", new { qos_specs = new { name } })).ShouldHave(200)
            .Json.GetProperty("qos_specs").GetProperty("id").GetString()!;
        (await t.Admin.Post("qos-specs", new { qos_specs = new { name } })).ShouldBeFault(409, "conflictingRequest")
            .ShouldBe($"QoS Specs {name} already exists.");
        (await t.Admin.Get($"qos-specs/{id}")).Json.GetProperty("qos_specs").GetProperty("consumer").GetString().ShouldBe("back-end");
        (await t.Admin.Put($"qos-specs/{id}/delete_keys", new { keys = new[] { "absent" } })).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"QoS spec {id} has no spec with key absent.");
        (await t.Admin.Get($"qos-specs/{id}/associate")).ShouldBeFault(400, "badRequest").ShouldBe("Volume Type id must not be None.");
        var unknownType = Guid.NewGuid();
        (await t.Admin.Get($"qos-specs/{id}/associate?vol_type_id={unknownType}")).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"Volume type {unknownType} could not be found.");
        (await t.Admin.Get($"qos-specs/{Guid.NewGuid()}/associations")).ShouldBeFault(404, "itemNotFound");
        (await t.Admin.Delete($"qos-specs/{id}?force=maybe")).ShouldBeFault(400, "badRequest");

        var typeId = await t.CreateTypeAsync(Unique("taken"));
        (await t.Admin.Get($"qos-specs/{id}/associate?vol_type_id={typeId}")).ShouldHave(202);
        var other = (await t.Admin.Post("qos-specs", new { qos_specs = new { name = Unique("bronze") } })).ShouldHave(200)
            .Json.GetProperty("qos_specs").GetProperty("id").GetString()!;
        (await t.Admin.Get($"qos-specs/{other}/associate?vol_type_id={typeId}")).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume type: Type {typeId} is already associated with another qos specs: {id}");
        (await t.Admin.Get($"qos-specs/{id}/disassociate_all")).ShouldHave(202);
        (await t.Admin.Delete($"qos-specs/{id}")).ShouldHave(202);
        (await t.Admin.Delete($"qos-specs/{other}")).ShouldHave(202);
    }

    private async Task<Guid> VolumeOfTypeAsync(Tenant t, string typeId, int size)
    {
        var volume = await Host.VolumeAsync(t.ProjectId, size: size);
        await using var db = Host.NewDb();
        await db.Volumes.Where(v => v.Id == volume.Id).ExecuteUpdateAsync(s => s.SetProperty(v => v.VolumeTypeId, Guid.Parse(typeId)));
        return volume.Id;
    }

    private static async Task<System.Text.Json.JsonElement> InitializeAsync(Tenant t, Guid volume) =>
        (await t.Member.Post($"volumes/{volume}/action", Action("os-initialize_connection", new { connector = new { host = "compute-1" } })))
        .ShouldHave(200).Json.GetProperty("connection_info").GetProperty("data");

    private static async Task<System.Text.Json.JsonElement> QosOfAsync(Tenant t, Guid volume) => (await InitializeAsync(t, volume)).GetProperty("qos_specs");
}
