using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static BlockStore.Api.Tests.Infrastructure.Flows;

namespace BlockStore.Api.Tests.Attachments;

/// <summary>
/// The attachments API as Nova drives it, on real PostgreSQL: reserve, connect, complete, detach, with the volume's
/// status following each step and the connection info built from what the volume service reported (its row is
/// stamped here as the worker's reporter stamps it).
/// </summary>
public sealed class AttachmentTests : ApiTest
{
    private const string V = "3.70";

    private static object Connector(string host = "compute-1", string? mode = null) =>
        mode is null ? new { host, mountpoint = "/dev/vdb", ip = "192.0.2.10", platform = "x86_64", os_type = "linux" }
                     : new { host, mountpoint = "/dev/vdb", ip = "192.0.2.10", platform = "x86_64", os_type = "linux", mode };

    [Fact]
    public async Task Reserve_connect_complete_and_detach_move_the_volume_from_available_to_in_use_and_back()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var member = t.Member.At(V);
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        var server = Guid.NewGuid();

        // An empty connector is none (cinderclient's attachment-create without --connect sends {}): the volume is only reserved.
        var reserved = (await member.Post("attachments", new { attachment = new { volume_uuid = v, instance_uuid = server, connector = new { } } })).ShouldHave(200)
            .Json.GetProperty("attachment");
        var id = reserved.GetProperty("id").GetString()!;
        reserved.GetProperty("status").GetString().ShouldBe("reserved");
        reserved.GetProperty("instance").GetString().ShouldBe(server.ToString());
        reserved.GetProperty("volume_id").GetString().ShouldBe(v.ToString());
        reserved.GetProperty("attach_mode").GetString().ShouldBe("null");
        reserved.GetProperty("attached_at").GetString().ShouldBe("");
        reserved.GetProperty("connection_info").Keys().ShouldBeEmpty();
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("reserved");

        var connected = (await member.Put($"attachments/{id}", new { attachment = new { connector = Connector() } })).ShouldHave(200)
            .Json.GetProperty("attachment");
        connected.GetProperty("status").GetString().ShouldBe("attaching");
        connected.GetProperty("attach_mode").GetString().ShouldBe("rw");
        var info = connected.GetProperty("connection_info");
        info.GetProperty("driver_volume_type").GetString().ShouldBe("rbd");
        info.GetProperty("name").GetString().ShouldBe($"volumes/volume-{v}");
        info.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()).ShouldBe(["10.0.0.1", "fd00::2"]);
        info.GetProperty("ports").EnumerateArray().Select(p => p.GetString()).ShouldBe(["6789", "6789"]);
        info.GetProperty("auth_enabled").GetBoolean().ShouldBeTrue();
        info.GetProperty("auth_username").GetString().ShouldBe("blockstore");
        info.GetProperty("secret_type").GetString().ShouldBe("ceph");
        info.GetProperty("access_mode").GetString().ShouldBe("rw");
        info.GetProperty("attachment_id").GetString().ShouldBe(id);
        info.GetProperty("volume_id").GetString().ShouldBe(v.ToString());
        info.GetProperty("discard").GetBoolean().ShouldBeTrue();
        info.GetProperty("enforce_multipath").GetBoolean().ShouldBeFalse();
        // The same driver data nested under "data", the shape os-initialize_connection answers with.
        var data = info.GetProperty("data");
        foreach (var key in new[] { "name", "auth_username", "secret_type", "access_mode", "volume_id" })
            data.GetProperty(key).GetString().ShouldBe(info.GetProperty(key).GetString(), key);
        data.GetProperty("hosts").GetRawText().ShouldBe(info.GetProperty("hosts").GetRawText());
        data.TryGetProperty("driver_volume_type", out _).ShouldBeFalse();
        data.TryGetProperty("attachment_id", out _).ShouldBeFalse();
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("attaching");
        // The volume shows only completed attachments, as Cinder's view does.
        (await member.Get($"volumes/{v}")).Json.GetProperty("volume").GetProperty("attachments").GetArrayLength().ShouldBe(0);

        (await member.Post($"attachments/{id}/action", new Dictionary<string, object?> { ["os-complete"] = null })).ShouldHave(204);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
        (await t.Reader.At(V).Get($"attachments/{id}")).ShouldHave(200).Json.GetProperty("attachment").GetProperty("status").GetString().ShouldBe("attached");
        var shown = (await member.Get($"volumes/{v}")).Json.GetProperty("volume").GetProperty("attachments").EnumerateArray().Single();
        shown.GetProperty("attachment_id").GetString().ShouldBe(id);
        shown.GetProperty("server_id").GetString().ShouldBe(server.ToString());
        shown.GetProperty("device").GetString().ShouldBe("/dev/vdb");
        shown.GetProperty("host_name").ValueKind.ShouldBe(JsonValueKind.Null); // the host is the admin's to see
        shown.GetProperty("attached_at").GetString()!.Length.ShouldBe(26);
        var listed = (await t.Admin.At(V).Get("volumes/detail")).Json.GetProperty("volumes").EnumerateArray().Single(x => x.GetProperty("id").GetString() == v.ToString());
        listed.GetProperty("attachments")[0].GetProperty("host_name").GetString().ShouldBe("compute-1");

        (await member.Delete($"volumes/{v}")).ShouldBeFault(400, "badRequest").ShouldContain("must not be migrating, attached");
        (await member.Get("attachments")).Json.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("id").GetString()).ShouldBe([id]);

        var left = (await member.Delete($"attachments/{id}")).ShouldHave(200).Json;
        left.GetProperty("attachments").GetArrayLength().ShouldBe(0);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");
        (await member.Get($"attachments/{id}")).ShouldBeFault(404, "itemNotFound");
        (await member.Delete($"volumes/{v}")).ShouldHave(202);
    }

    [Fact]
    public async Task A_connector_at_create_connects_at_once_and_the_read_only_flag_or_the_mode_makes_it_read_only()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await t.Member.Post($"volumes/{v}/action", Action("os-update_readonly_flag", new { @readonly = true }))).ShouldHave(202);
        var a = (await t.Member.At(V).Post("attachments", new { attachment = new { volume_uuid = v, instance_uuid = Guid.NewGuid(), connector = Connector(mode: "rw") } }))
            .ShouldHave(200).Json.GetProperty("attachment");
        a.GetProperty("status").GetString().ShouldBe("attaching");
        a.GetProperty("attach_mode").GetString().ShouldBe("ro");
        a.GetProperty("connection_info").GetProperty("access_mode").GetString().ShouldBe("ro");
        (await t.Member.StatusOfAsync("volume", v.ToString())).ShouldBe("attaching");

        var w = (await Host.VolumeAsync(t.ProjectId)).Id;
        (await t.Member.At("3.54").Post("attachments", new { attachment = new { volume_uuid = w, mode = "ro", connector = Connector(mode: "rw") } }))
            .ShouldHave(200).Json.GetProperty("attachment").GetProperty("connection_info").GetProperty("access_mode").GetString().ShouldBe("ro");
    }

    [Fact]
    public async Task A_file_volume_is_connected_by_its_path_and_an_rbd_one_waits_for_its_service_to_report_monitors()
    {
        var t = NewTenant();
        var file = await Host.VolumeAsync(t.ProjectId, backend: "local");
        var info = (await t.Member.At(V).Post("attachments", new { attachment = new { volume_uuid = file.Id, connector = Connector() } }))
            .ShouldHave(200).Json.GetProperty("attachment").GetProperty("connection_info");
        info.GetProperty("driver_volume_type").GetString().ShouldBe("local");
        info.GetProperty("device_path").GetString()!.ShouldEndWith($"/volume-{file.Id}");

        // No worker has reported ceph-fast's monitors to this API (its service row is removed, should any test have made one).
        var host = Host.Services.GetRequiredService<IOptions<BackendCatalog>>().Value.Host;
        await using (var db = Host.NewDb())
            await db.Services.Where(s => s.Host == $"{host}@ceph-fast").ExecuteDeleteAsync();
        var rbd = await Host.VolumeAsync(t.ProjectId, backend: "ceph-fast");
        (await t.Member.At(V).Post("attachments", new { attachment = new { volume_uuid = rbd.Id, connector = Connector() } }))
            .ShouldBeFault(503, "serviceUnavailable").ShouldContain("has not reported its Ceph monitors yet");
        (await t.Member.StatusOfAsync("volume", rbd.Id.ToString())).ShouldBe("available"); // nothing was written
        (await t.Member.At(V).Get($"attachments?volume_id={rbd.Id}")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_volume_not_multiattach_takes_a_second_attachment_only_for_its_own_server()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var member = t.Member.At(V);
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        var server = Guid.NewGuid();
        var first = (await member.Post("attachments", new { attachment = new { volume_uuid = v, instance_uuid = server, connector = Connector() } }))
            .ShouldHave(200).Json.GetProperty("attachment").GetProperty("id").GetString()!;
        (await member.Post($"attachments/{first}/action", new Dictionary<string, object?> { ["os-complete"] = new { } })).ShouldHave(204);

        (await member.Post("attachments", new { attachment = new { volume_uuid = v, instance_uuid = Guid.NewGuid() } })).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {v} status must be available or downloading to reserve, but the current status is in-use.");
        // Nova moving the server to another host: a second attachment for it, connected there.
        var second = (await member.Post("attachments", new { attachment = new { volume_uuid = v, instance_uuid = server } }))
            .ShouldHave(200).Json.GetProperty("attachment").GetProperty("id").GetString()!;
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
        (await member.Put($"attachments/{second}", new { attachment = new { connector = Connector("compute-2") } })).ShouldHave(200);
        (await member.Post($"attachments/{second}/action", new Dictionary<string, object?> { ["os-complete"] = null })).ShouldHave(204);

        // The old host lets go: the volume stays in-use on the new one, and shows that attachment only.
        var left = (await member.Delete($"attachments/{first}")).ShouldHave(200).Json.GetProperty("attachments");
        left.EnumerateArray().Select(a => a.GetProperty("id").GetString()).ShouldBe([second]);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
        (await t.Admin.At(V).Get($"volumes/{v}")).Json.GetProperty("volume").GetProperty("attachments")[0].GetProperty("host_name").GetString().ShouldBe("compute-2");
        (await member.Get($"attachments/detail?instance_id={server}")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task A_multiattach_volume_is_attached_to_several_servers_and_in_use_until_the_last_one_lets_go()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var member = t.Member.At(V);
        var type = await t.CreateTypeAsync(Unique("shared"), new() { ["multiattach"] = "<is> True" });
        var created = (await member.Post("volumes", new { volume = new { size = 1, volume_type = type } })).ShouldHave(202).Json.GetProperty("volume");
        created.GetProperty("multiattach").GetBoolean().ShouldBeTrue();
        var v = created.GetProperty("id").GetGuid();
        await using (var db = Host.NewDb())
            await db.Volumes.Where(x => x.Id == v).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, VolumeStatus.Available));

        // Each server reserves it from in-use (the volume is reserved while one attaches, as in Cinder), connects, completes.
        var attachments = new List<string>();
        foreach (var host in new[] { "compute-1", "compute-2" })
        {
            var id = (await member.Post("attachments", new { attachment = new { volume_uuid = v, instance_uuid = Guid.NewGuid() } }))
                .ShouldHave(200).Json.GetProperty("attachment").GetProperty("id").GetString()!;
            (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("reserved");
            (await member.Put($"attachments/{id}", new { attachment = new { connector = Connector(host) } })).ShouldHave(200);
            (await member.Post($"attachments/{id}/action", new Dictionary<string, object?> { ["os-complete"] = null })).ShouldHave(204);
            (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
            attachments.Add(id);
        }
        var shown = (await t.Admin.At(V).Get($"volumes/{v}")).Json.GetProperty("volume");
        shown.GetProperty("attachments").EnumerateArray().Select(a => a.GetProperty("host_name").GetString()).ShouldBe(["compute-1", "compute-2"]);

        // Attached, it cannot stop being multiattach (Cinder's rule), nor migrate.
        var plain = await t.CreateTypeAsync(Unique("plain"));
        (await member.Post($"volumes/{v}/action", Action("os-retype", new { new_type = plain }))).ShouldBeFault(400, "badRequest")
            .ShouldContain("retypes affecting multiattach are only allowed on available volumes, the specified volume however currently has a status of: in-use.");
        (await t.Admin.Post($"volumes/{v}/action", Action("os-migrate_volume", new { host = "ceph-fast" }))).ShouldBeFault(400, "badRequest")
            .ShouldContain("status must be available");

        (await member.Delete($"attachments/{attachments[0]}")).ShouldHave(200);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("in-use");
        (await member.Delete($"attachments/{attachments[1]}")).ShouldHave(200);
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");

        // The deprecated request flag makes one too; a file backend's volume cannot be one.
        (await member.Post("volumes", new { volume = new { size = 1, multiattach = true } })).ShouldHave(202).Json.GetProperty("volume")
            .GetProperty("multiattach").GetBoolean().ShouldBeTrue();
        var local = await t.CreateTypeAsync(Unique("local-shared"), new() { ["volume_backend_name"] = "local", ["multiattach"] = "<is> True" });
        (await member.Post("volumes", new { volume = new { size = 1, volume_type = local } })).ShouldBeFault(400, "badRequest")
            .ShouldContain("cannot be multiattach");
        (await member.Post("volumes", new { volume = new { size = 1 } })).ShouldHave(202).Json.GetProperty("volume")
            .GetProperty("multiattach").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Attachments_are_refused_clearly_and_write_nothing()
    {
        await Host.ReportMonitorsAsync("ceph", Seed.Monitors);
        var t = NewTenant();
        var member = t.Member.At(V);
        var v = (await Host.VolumeAsync(t.ProjectId)).Id;
        object Create(object attachment) => new { attachment };

        (await t.Member.At("3.26").Post("attachments", Create(new { volume_uuid = v }))).ShouldHave(404);
        (await t.Reader.At(V).Post("attachments", Create(new { volume_uuid = v }))).ShouldBeFault(403, "forbidden");
        (await member.Post("attachments", Create(new { instance_uuid = Guid.NewGuid() }))).ShouldBeFault(400, "badRequest").ShouldContain("'volume_uuid' is a required property");
        (await member.Post("attachments", Create(new { volume_uuid = "nope" }))).ShouldBeFault(400, "badRequest").ShouldContain("is not a 'uuid'");
        (await member.Post("attachments", Create(new { volume_uuid = v, instance_uuid = "server-1" }))).ShouldBeFault(400, "badRequest").ShouldContain("instance_uuid");
        (await member.Post("attachments", Create(new { volume_uuid = v, connector = "iqn" }))).ShouldBeFault(400, "badRequest").ShouldContain("connector");
        (await t.Member.At("3.53").Post("attachments", Create(new { volume_uuid = v, mode = "ro" }))).ShouldBeFault(400, "badRequest").ShouldContain("'mode' was unexpected");
        (await t.Member.At("3.54").Post("attachments", Create(new { volume_uuid = v, mode = "rx" }))).ShouldBeFault(400, "badRequest").ShouldContain("is not one of ['rw', 'ro']");
        (await member.Post("attachments", Create(new { volume_uuid = v, colour = "red" }))).ShouldBeFault(400, "badRequest").ShouldContain("'colour' was unexpected");
        (await member.Post("attachments", Create(new { volume_uuid = Guid.NewGuid() }))).ShouldBeFault(404, "itemNotFound");
        var other = NewTenant();
        (await other.Member.At(V).Post("attachments", Create(new { volume_uuid = v }))).ShouldBeFault(404, "itemNotFound");
        var broken = (await Host.VolumeAsync(t.ProjectId, VolumeStatus.Error)).Id;
        (await member.Post("attachments", Create(new { volume_uuid = broken }))).ShouldBeFault(400, "badRequest")
            .ShouldContain("Volume attachments can not be created if the volume is in an error state");
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("available");
        (await member.Get("attachments")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(0);

        var id = (await member.Post("attachments", Create(new { volume_uuid = v }))).ShouldHave(200).Json.GetProperty("attachment").GetProperty("id").GetString();
        (await member.Put($"attachments/{id}", new { attachment = new { } })).ShouldBeFault(400, "badRequest").ShouldContain("connector");
        (await member.Put($"attachments/{id}", new { attachment = new { connector = new { } } })).ShouldBeFault(400, "badRequest").ShouldContain("connector");
        (await t.Member.At("3.43").Post($"attachments/{id}/action", new Dictionary<string, object?> { ["os-complete"] = null })).ShouldHave(404);
        (await member.Post($"attachments/{id}/action", new { })).ShouldBeFault(400, "badRequest").ShouldContain("os-complete");
        (await t.Reader.At(V).Delete($"attachments/{id}")).ShouldBeFault(403, "forbidden");
        (await other.Member.At(V).Get($"attachments/{id}")).ShouldBeFault(404, "itemNotFound");
        (await other.Member.At(V).Delete($"attachments/{id}")).ShouldBeFault(404, "itemNotFound");
        (await other.Member.At(V).Get("attachments")).Json.GetProperty("attachments").GetArrayLength().ShouldBe(0);
        (await t.Admin.At(V).Get("attachments?all_tenants=1")).Json.GetProperty("attachments").EnumerateArray()
            .Select(a => a.GetProperty("id").GetString()).ShouldContain(id);
        (await member.Get("attachments/not-a-uuid")).ShouldBeFault(404, "itemNotFound");
        (await member.StatusOfAsync("volume", v.ToString())).ShouldBe("reserved");
    }

    [Fact]
    public async Task An_in_use_volume_extends_from_3_42_and_not_before()
    {
        var t = NewTenant();
        var v = (await Host.VolumeAsync(t.ProjectId, VolumeStatus.InUse)).Id;
        (await t.Member.At("3.41").Post($"volumes/{v}/action", Action("os-extend", new { new_size = 2 }))).ShouldBeFault(400, "badRequest")
            .ShouldBe($"Invalid volume: Volume {v} status must be available to extend, but current status is: in-use.");
        (await t.Member.At("3.42").Post($"volumes/{v}/action", Action("os-extend", new { new_size = 2 }))).ShouldHave(202);
        (await t.Member.StatusOfAsync("volume", v.ToString())).ShouldBe("extending");
    }
}
