using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Quotas;

namespace BlockStore.Api.Tests.Quotas;

/// <summary><c>os-quota-class-sets</c>: the defaults every project starts from, read-only because configuration sets them.</summary>
public sealed class QuotaClassTests : ApiTest
{
    [Fact]
    public async Task The_default_class_shows_exactly_the_defaults_a_new_project_gets()
    {
        var t = NewTenant();
        var type = Unique("classy");
        await t.CreateTypeAsync(type);
        var hidden = Unique("classy-private");
        await t.CreateTypeAsync(hidden, isPublic: false);
        // Tests running beside this one create and delete types, so the two are compared as read between two identical
        // reads of the class, so that no type came or went in between.
        System.Text.Json.JsonElement shown, defaults;
        var attempts = 0;
        while (true)
        {
            shown = (await t.Admin.Get("os-quota-class-sets/default")).ShouldHave(200).Json;
            defaults = (await t.Admin.Get($"os-quota-sets/{t.ProjectId}/defaults")).ShouldHave(200).Json.GetProperty("quota_set");
            var again = (await t.Admin.Get("os-quota-class-sets/default")).ShouldHave(200).Json;
            if (again.GetRawText() == shown.GetRawText() || ++attempts == 10) break;
        }
        shown.Keys().ShouldBe(["quota_class_set"]);
        var set = shown.GetProperty("quota_class_set");
        set.GetProperty("id").GetString().ShouldBe("default");
        foreach (var member in defaults.EnumerateObject().Where(m => m.Name != "id"))
            set.GetProperty(member.Name).GetInt32().ShouldBe(member.Value.GetInt32(), member.Name);
        set.GetProperty($"volumes_{type}").GetInt32().ShouldBe(-1);
        set.GetProperty($"gigabytes_{hidden}").GetInt32().ShouldBe(-1);
        defaults.TryGetProperty($"gigabytes_{hidden}", out _).ShouldBeFalse();
        // The class names every type; a project's defaults only the types it may use, so private types of other
        // tests' projects are the class's alone, and they are unlimited too.
        foreach (var extra in set.EnumerateObject().Where(m => !defaults.TryGetProperty(m.Name, out _)))
        {
            QuotaResources.TypeOf(extra.Name).ShouldNotBeNull(extra.Name);
            extra.Value.GetInt32().ShouldBe(-1, extra.Name);
        }
    }

    [Fact]
    public async Task Only_an_admin_reads_it_and_nobody_changes_it_through_the_API()
    {
        var t = NewTenant();
        (await t.Member.Get("os-quota-class-sets/default")).ShouldBeFault(403, "forbidden")
            .ShouldBe("Policy doesn't allow volume_extension:quota_classes to be performed.");
        (await t.Admin.Put("os-quota-class-sets/default", new { quota_class_set = new { volumes = 20 } })).ShouldBeFault(400, "badRequest")
            .ShouldContain("Quotas:*");
        (await t.Member.Put("os-quota-class-sets/default", new { quota_class_set = new { volumes = 20 } })).ShouldBeFault(403, "forbidden");
        (await t.Admin.Get("os-quota-class-sets/default")).Json.GetProperty("quota_class_set").GetProperty("volumes").GetInt32()
            .ShouldNotBe(20);
    }
}
