using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Volumes;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Attachments;

/// <summary>
/// The attach flow before the attachments API (<c>os-reserve</c>, <c>os-initialize_connection</c>, <c>os-attach</c>,
/// <c>os-begin_detaching</c>, <c>os-terminate_connection</c>, <c>os-detach</c> and their undos), and the admin's ways out
/// of a stuck attachment (<c>os-force_detach</c>, <c>os-reset_status</c> with <c>attach_status</c>), on real PostgreSQL.
/// </summary>
public sealed class LegacyAttachTests : ApiTest
{
    private static readonly object Connector = new { host = "compute-1", ip = "192.0.2.10", initiator = "iqn.1993-08.org.debian:01:1", enforce_multipath = true };
    private static Dictionary<string, object?> Bare(string action) => new() { [action] = null };

    private static async Task<Reply> Act(ApiClient client, Guid volume, object body) => await client.Post($"volumes/{volume}/action", body);

    [Fact]
    public async Task Reserve_connect_attach_and_detach_move_the_volume_as_in_Cinder_and_show_the_attachment_both_ways()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var member = t.Member;
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        var server = Guid.NewGuid();

        (await Act(member, v, Bare("os-reserve"))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("attaching");

        var info = (await Act(member, v, Action("os-initialize_connection", new { connector = Connector }))).ShouldHave(200)
            .Json.GetProperty("connection_info");
        info.GetProperty("driver_volume_type").GetString().ShouldBe("rbd");
        info.GetProperty("enforce_multipath").GetBoolean().ShouldBeTrue();
        var data = info.GetProperty("data");
        data.GetProperty("name").GetString().ShouldBe($"volumes/volume-{v}");
        data.GetProperty("hosts")[0].GetString().ShouldBe("10.0.0.1");
        data.GetProperty("ports")[0].GetString().ShouldBe("6789");
        data.GetProperty("auth_username").GetString().ShouldBe("blockstore");
        data.GetProperty("access_mode").GetString().ShouldBe("rw");
        data.GetProperty("enforce_multipath").GetBoolean().ShouldBeTrue();
        data.TryGetProperty("attachment_id", out _).ShouldBeFalse();
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("attaching"); // connecting changes nothing

        (await Act(member, v, Action("os-attach", new { instance_uuid = server, mountpoint = "/dev/vdb", host_name = "compute-1" }))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
        var shown = (await t.Admin.Get($"volumes/{v}")).Json.GetProperty("volume").GetProperty("attachments").EnumerateArray().Single();
        shown.GetProperty("server_id").GetString().ShouldBe(server.ToString());
        shown.GetProperty("device").GetString().ShouldBe("/dev/vdb");
        shown.GetProperty("host_name").GetString().ShouldBe("compute-1");
        var attachment = (await member.At("3.27").Get("attachments/detail")).Json.GetProperty("attachments").EnumerateArray().Single();
        attachment.GetProperty("status").GetString().ShouldBe("attached");
        attachment.GetProperty("attach_mode").GetString().ShouldBe("rw");
        attachment.GetProperty("id").GetString().ShouldBe(shown.GetProperty("attachment_id").GetString());
        // The same server attaching again finds its attachment, as in Cinder.
        (await Act(member, v, Action("os-attach", new { instance_uuid = server, mountpoint = "/dev/vdb" }))).ShouldHave(202);
        (await member.At("3.27").Get("attachments")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(1);

        (await Act(member, v, Bare("os-begin_detaching"))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("detaching");
        (await Act(member, v, Bare("os-roll_detaching"))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
        (await Act(member, v, Bare("os-begin_detaching"))).ShouldHave(202);
        (await Act(member, v, Action("os-terminate_connection", new { connector = Connector }))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("detaching"); // terminate unreserves only an attaching volume
        (await Act(member, v, Bare("os-detach"))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");
        (await member.At("3.27").Get("attachments")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(0);
        (await member.Delete($"volumes/{v}")).ShouldHave(202);
    }

    [Fact]
    public async Task Unreserve_and_terminate_undo_a_reserve_and_the_refusals_write_nothing()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var member = t.Member;
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;

        (await Act(member, v, new Dictionary<string, object?> { ["os-reserve"] = new { } })).ShouldHave(202);
        (await Act(member, v, Bare("os-reserve"))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid volume: Volume status must be available to reserve, but the status is attaching.");
        (await Act(member, v, Bare("os-unreserve"))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");
        (await Act(member, v, Bare("os-unreserve"))).ShouldHave(202); // nothing to undo, nothing done
        (await Act(member, v, Bare("os-roll_detaching"))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");
        (await Act(member, v, Bare("os-reserve"))).ShouldHave(202);
        (await Act(member, v, Action("os-terminate_connection", new { connector = (object?)null }))).ShouldHave(202);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");

        (await Act(member, v, Bare("os-begin_detaching"))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Invalid volume: Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.");
        (await Act(member, v, Action("os-attach", new { instance_uuid = Guid.NewGuid() }))).ShouldBeFault(400, "badRequest").ShouldContain("'mountpoint'");
        (await Act(member, v, Action("os-attach", new { mountpoint = "/dev/vdb" }))).ShouldBeFault(400, "badRequest").ShouldContain("'instance_uuid' or 'host_name'");
        (await Act(member, v, Action("os-attach", new { instance_uuid = "server-1", mountpoint = "/dev/vdb" }))).ShouldBeFault(400, "badRequest").ShouldContain("is not a 'uuid'");
        (await Act(member, v, Action("os-attach", new { host_name = "h", mountpoint = "/dev/vdb", mode = "rx" }))).ShouldBeFault(400, "badRequest").ShouldContain("['rw', 'ro']");
        (await Act(member, v, Action("os-attach", new { host_name = "h", mountpoint = "/dev/vdb", colour = "red" }))).ShouldBeFault(400, "badRequest").ShouldContain("'colour' was unexpected");
        (await Act(member, v, Action("os-initialize_connection", new { }))).ShouldBeFault(400, "badRequest").ShouldContain("'connector' is a required property");
        (await Act(member, v, Action("os-initialize_connection", new { connector = 5 }))).ShouldBeFault(400, "badRequest").ShouldContain("connector");
        (await Act(member, v, Action("os-detach", new { attachment_id = "nope" }))).ShouldBeFault(400, "badRequest").ShouldContain("is not a 'uuid'");
        (await Act(member, v, Action("os-detach", new { attachment_id = Guid.NewGuid() }))).ShouldBeFault(400, "badRequest").ShouldContain("VolumeAttachmentNotFound");
        (await Act(t.Reader, v, Bare("os-reserve"))).ShouldBeFault(403, "forbidden");
        (await Act(t.Reader, v, Action("os-initialize_connection", new { connector = Connector }))).ShouldBeFault(403, "forbidden");
        (await Act(NewTenant().Member, v, Bare("os-reserve"))).ShouldBeFault(404, "itemNotFound");
        (await Act(member, v, Action("os-force_detach", new { }))).ShouldBeFault(403, "forbidden");
        var broken = (await Host.VolumeAsync(t.ProjectId, VolumeStatus.Error)).Id;
        (await Act(member, broken, Action("os-attach", new { host_name = "h", mountpoint = "/dev/vdb" }))).ShouldBeFault(400, "badRequest")
            .ShouldContain("error state");
        (await Act(member, broken, Bare("os-reserve"))).ShouldBeFault(400, "badRequest").ShouldContain("must be available to reserve");

        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");
        (await member.StatusOfAsync("volume", broken.ToString())).ShouldBe("error");
        (await member.At("3.27").Get("attachments")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_volume_not_multiattach_takes_no_second_consumer_and_a_read_only_one_only_ro()
    {
        var t = NewTenant();
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await Act(t.Member, v, Action("os-attach", new { host_name = "backup-host", mountpoint = "/mnt/v" }))).ShouldHave(202); // no reserve needed
        (await t.Member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
        (await Act(t.Member, v, Action("os-attach", new { instance_uuid = Guid.NewGuid(), mountpoint = "/dev/vdb" }))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Error attaching volume - InvalidVolume: Invalid volume: volume is already attached and multiple attachments are not enabled");
        (await Act(t.Member, v, Action("os-attach", new { host_name = "backup-host", mountpoint = "/mnt/v" }))).ShouldHave(202);
        (await t.Member.At("3.27").Get("attachments")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(1);

        // A multiattach volume takes a second consumer, reserved from in-use.
        var shared = Host.NewVolume(t.ProjectId);
        await using (var db = Host.NewDb())
        {
            await db.Volumes.AddAsync(shared);
            db.Entry(shared).Property(x => x.Multiattach).CurrentValue = true;
            await db.SaveChangesAsync();
        }
        (await Act(t.Member, shared.Id, Action("os-attach", new { host_name = "node-1", mountpoint = "/dev/vdb" }))).ShouldHave(202);
        (await Act(t.Member, shared.Id, Action("os-reserve", (object?)null!))).ShouldHave(202);
        (await Act(t.Member, shared.Id, Action("os-attach", new { host_name = "node-2", mountpoint = "/dev/vdb" }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", shared.Id.ToString())).ShouldBe("in-use");
        (await t.Member.At("3.27").Get($"attachments?volume_id={shared.Id}")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(2);

        var ro = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await Act(t.Member, ro, Action("os-update_readonly_flag", new { @readonly = true }))).ShouldHave(202);
        (await Act(t.Member, ro, Action("os-attach", new { host_name = "h", mountpoint = "/dev/vdc" }))).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid attaching mode 'rw' for volume {ro}.");
        (await Act(t.Member, ro, Action("os-attach", new { host_name = "h", mountpoint = "/dev/vdc", mode = "ro" }))).ShouldHave(202);
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        (await Act(t.Member, ro, Action("os-initialize_connection", new { connector = Connector }))).ShouldHave(200)
            .Json.GetProperty("connection_info").GetProperty("data").GetProperty("access_mode").GetString().ShouldBe("ro");
    }

    [Fact]
    public async Task Os_detach_removes_an_attachment_made_through_the_attachments_API_and_needs_its_id_when_there_are_two()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var api = t.Member.At("3.70");
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        var server = Guid.NewGuid();
        async Task<string> AttachAsync(string host)
        {
            var id = (await api.Post("attachments", new { attachment = new { volume_uuid = v, instance_uuid = server, connector = new { host, mountpoint = "/dev/vdb" } } }))
                .ShouldHave(200).Json.GetProperty("attachment").GetProperty("id").GetString()!;
            (await api.Post($"attachments/{id}/action", Bare("os-complete"))).ShouldHave(204);
            return id;
        }
        var first = await AttachAsync("compute-1");
        var second = await AttachAsync("compute-2");

        (await Act(t.Member, v, Bare("os-detach"))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Error detaching volume - InvalidVolume: Invalid volume: Detach volume failed: More than one attachment, but no attachment_id provided.");
        (await Act(t.Member, v, Action("os-detach", new { attachment_id = first }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
        (await api.Get("attachments")).Json.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("id").GetString()).ShouldBe([second]);
        (await Act(t.Member, v, Action("os-detach", new { attachment_id = second }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");
    }

    [Fact]
    public async Task An_admin_clears_a_stuck_attachment_with_force_detach_or_a_reset_of_attach_status()
    {
        var t = NewTenant();
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await Act(t.Member, v, Action("os-attach", new { instance_uuid = Guid.NewGuid(), mountpoint = "/dev/vdb" }))).ShouldHave(202);
        (await Act(t.Member, v, Bare("os-begin_detaching"))).ShouldHave(202);
        // The consumer died mid-detach: the volume would stay detaching; the admin forces it.
        (await Act(t.Admin, v, Action("os-force_detach", new { connector = (object?)null, attachment_id = 5 }))).ShouldBeFault(400, "badRequest");
        (await Act(t.Admin, v, Action("os-force_detach", new { }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");

        var w = (await Host.VolumeAsync(t.ProjectId)).Id;
        object Reset(object args) => Action("os-reset_status", args);
        (await Act(t.Admin, w, Reset(new { status = "in-use" }))).ShouldBeFault(400, "badRequest")
            .ShouldBe("Cannot reset-state to in-use because volume does not have any attachments.");
        (await Act(t.Admin, w, Reset(new { attach_status = "attached" }))).ShouldBeFault(400, "badRequest").ShouldContain("does not have any attachments");
        (await Act(t.Admin, w, Reset(new { attach_status = "glued" }))).ShouldBeFault(400, "badRequest").ShouldContain("valid statuses are: ['attached', 'detached']");
        (await Act(t.Admin, w, Reset(new { }))).ShouldBeFault(400, "badRequest").ShouldContain("Must specify 'status', 'attach_status' or 'migration_status'");
        (await Act(t.Member, w, Action("os-attach", new { host_name = "gone", mountpoint = "/dev/vdb" }))).ShouldHave(202);
        (await Act(t.Admin, w, Reset(new { attach_status = "attached" }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", w.ToString())).ShouldBe("in-use");
        (await Act(t.Admin, w, Reset(new { attach_status = "detached" }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", w.ToString())).ShouldBe("available");
        (await t.Member.At("3.27").Get($"attachments?volume_id={w}")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(0);
        (await t.Member.Get($"volumes/{w}")).Json.GetProperty("volume").GetProperty("attachments").GetArrayLength().ShouldBe(0);

        // With a status of its own, the admin's status wins over the one having no attachments gives.
        (await Act(t.Member, w, Action("os-attach", new { host_name = "gone", mountpoint = "/dev/vdb" }))).ShouldHave(202);
        (await Act(t.Admin, w, Reset(new { status = "error", attach_status = "detached" }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", w.ToString())).ShouldBe("error");
        (await t.Member.At("3.27").Get($"attachments?volume_id={w}")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(0);

        // With a migration status and no status, the volume still takes the status of having no attachment.
        var x = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await Act(t.Member, x, Action("os-attach", new { host_name = "gone", mountpoint = "/dev/vdb" }))).ShouldHave(202);
        (await Act(t.Admin, x, Reset(new { attach_status = "detached", migration_status = "none" }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", x.ToString())).ShouldBe("available");
    }
}
