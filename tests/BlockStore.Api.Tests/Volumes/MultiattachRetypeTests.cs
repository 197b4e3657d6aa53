using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Contracts;
using BlockStore.Core.Jobs;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>
/// Retypes and migrations that change or carry multiattach or back-end QoS limits, with no worker to finish them: what an
/// accepted one commits, and Cinder's refusals, which write nothing.
/// </summary>
public sealed class MultiattachRetypeTests : ApiTest
{
    [Fact]
    public async Task A_retype_in_place_to_a_multiattach_type_is_retyping_with_the_new_type_and_reaches_the_bus()
    {
        var t = NewTenant();
        var sharedName = Unique("shared");
        var shared = await t.CreateTypeAsync(sharedName, new() { ["multiattach"] = "<is> True" });
        var id = await t.CreateAvailableVolumeAsync();
        Guid oldType;
        await using (var db = Host.NewDb()) oldType = (await db.Volumes.SingleAsync(v => v.Id == Guid.Parse(id))).VolumeTypeId;
        await using var probe = await BusProbe.ListenAsync(typeof(RetypeVolume));

        (await t.Member.Post($"volumes/{id}/action", Action("os-retype", new { new_type = shared }))).ShouldHave(202);

        var shown = (await t.Member.Get($"volumes/{id}")).Json.GetProperty("volume");
        (shown.GetProperty("status").GetString(), shown.GetProperty("volume_type").GetString(), shown.GetProperty("multiattach").GetBoolean())
            .ShouldBe(("retyping", sharedName, true));
        await using (var db = Host.NewDb())
        {
            var volume = await db.Volumes.SingleAsync(v => v.Id == Guid.Parse(id));
            (volume.RetypingFrom, volume.PreviousStatus, volume.Backend).ShouldBe((oldType, VolumeStatus.Available, "ceph"));
            (await db.Jobs.AnyAsync(j => j.VolumeId == volume.Id)).ShouldBeFalse("in place, no data moves");
        }
        (await probe.WaitForAsync(id, TimeSpan.FromSeconds(15))).ShouldNotBeNull("the outbox dispatcher should publish RetypeVolume within seconds");

        // While it is retyping, nothing else changes it.
        (await t.Member.Post($"volumes/{id}/action", Action("os-extend", new { new_size = 2 }))).ShouldBeFault(400, "badRequest");
        (await t.Member.Delete($"volumes/{id}")).ShouldBeFault(400, "badRequest");
    }

    [Fact]
    public async Task A_retype_that_changes_multiattach_is_refused_unless_available_or_onto_a_file_backend_and_writes_nothing()
    {
        var t = NewTenant();
        var shared = await t.CreateTypeAsync(Unique("shared"), new() { ["multiattach"] = "<is> True" });
        var localShared = await t.CreateTypeAsync(Unique("local-shared"), new() { ["volume_backend_name"] = "local", ["multiattach"] = "<is> True" });
        var id = await t.CreateVolumeAsync(); // creating
        (await t.Member.Post($"volumes/{id}/action", Action("os-retype", new { new_type = shared }))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: Invalid volume_type passed, retypes affecting multiattach are only allowed on available volumes, " +
                "the specified volume however currently has a status of: creating.");

        (await t.Admin.Post($"volumes/{id}/action", Action("os-reset_status", new { status = "available" }))).ShouldHave(202);
        (await t.Member.Post($"volumes/{id}/action", Action("os-retype", new { new_type = localShared, migration_policy = "on-demand" })))
            .ShouldBeFault(400, "badRequest").ShouldBe("Invalid input received: backend 'local' keeps volumes as plain files, which cannot be multiattach.");

        var shown = (await t.Member.Get($"volumes/{id}")).Json.GetProperty("volume");
        (shown.GetProperty("status").GetString(), shown.GetProperty("multiattach").GetBoolean()).ShouldBe(("available", false));
        await using var db = Host.NewDb();
        (await db.Volumes.SingleAsync(v => v.Id == Guid.Parse(id))).RetypingFrom.ShouldBeNull();
        (await db.Jobs.AnyAsync(j => j.VolumeId == Guid.Parse(id))).ShouldBeFalse();
    }

    [Fact]
    public async Task A_retype_that_changes_back_end_limits_is_the_workers_even_in_use_and_one_of_front_end_limits_is_done_in_place()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        async Task<string> TypeWithQosAsync(string name, string consumer)
        {
            var type = await t.CreateTypeAsync(Unique(name));
            var qos = (await t.Admin.Post("qos-specs", new Dictionary<string, object>
            {
                ["qos_specs"] = new Dictionary<string, string> { ["name"] = Unique(name), ["consumer"] = consumer, ["total_iops_sec"] = "500" },
            })).ShouldHave(200).Json.GetProperty("qos_specs").GetProperty("id").GetString();
            (await t.Admin.Get($"qos-specs/{qos}/associate?vol_type_id={type}")).ShouldHave(202);
            return type;
        }
        var frontEnd = await TypeWithQosAsync("front", "front-end");
        var backEnd = await TypeWithQosAsync("back", "back-end");
        var id = await t.CreateAvailableVolumeAsync();

        (await t.Member.Post($"volumes/{id}/action", Action("os-retype", new { new_type = frontEnd }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("available", "front-end limits are the hypervisor's: the type changes in place");

        await using var db = Host.NewDb();
        await db.Volumes.Where(v => v.Id == Guid.Parse(id)).ExecuteUpdateAsync(s => s.SetProperty(v => v.Status, VolumeStatus.InUse));
        (await t.Member.Post($"volumes/{id}/action", Action("os-retype", new { new_type = backEnd }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", id)).ShouldBe("retyping");
        var volume = await db.Volumes.SingleAsync(v => v.Id == Guid.Parse(id));
        (volume.VolumeTypeId, volume.RetypingFrom, volume.RetypingFromMultiattach, volume.PreviousStatus)
            .ShouldBe((Guid.Parse(backEnd), (Guid?)Guid.Parse(frontEnd), (bool?)false, (VolumeStatus?)VolumeStatus.InUse));
    }

    [Fact]
    public async Task A_multiattach_volume_migrates_to_an_rbd_backend_made_shared_and_not_to_a_file_backend()
    {
        var t = NewTenant();
        var shared = await t.CreateTypeAsync(Unique("shared"), new() { ["multiattach"] = "<is> True" });
        var fastPlain = await t.CreateTypeAsync(Unique("fast-plain"), new() { ["volume_backend_name"] = "ceph-fast" });
        var a = await t.CreateAvailableVolumeAsync(type: shared);
        var b = await t.CreateAvailableVolumeAsync(type: shared);

        (await t.Admin.Post($"volumes/{a}/action", Action("os-migrate_volume", new { host = "local" }))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid input received: backend 'local' keeps volumes as plain files, which cannot be multiattach.");
        (await t.Admin.Post($"volumes/{a}/action", Action("os-migrate_volume", new { host = "ceph-fast" }))).ShouldHave(202);
        // A retype across backends to a type that is not multiattach: the copy is made for one writer, and the volume is not multiattach after.
        (await t.Member.Post($"volumes/{b}/action", Action("os-retype", new { new_type = fastPlain, migration_policy = "on-demand" }))).ShouldHave(202);

        await using var db = Host.NewDb();
        MigrationPlan PlanOf(string id) => MigrationPlan.FromJson(db.Jobs.Single(j => j.VolumeId == Guid.Parse(id)).Checkpoint);
        (PlanOf(a).Destination, PlanOf(a).Multiattach, PlanOf(a).NewTypeId).ShouldBe(("ceph-fast", true, (Guid?)null));
        (PlanOf(b).Destination, PlanOf(b).Multiattach, PlanOf(b).NewTypeId).ShouldBe(("ceph-fast", false, (Guid?)Guid.Parse(fastPlain)));
        var volume = await db.Volumes.SingleAsync(v => v.Id == Guid.Parse(b));
        (volume.Status, volume.Multiattach, volume.RetypingFrom).ShouldBe((VolumeStatus.Retyping, true, (Guid?)null), "multiattach changes at the switch-over");
    }
}
