using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Types;

/// <summary>Encryption specs of volume types: none here (no key manager), answered as Cinder answers a type without them.</summary>
public sealed class TypeEncryptionTests : ApiTest
{
    [Fact]
    public async Task Every_type_has_Cinder_s_empty_encryption_specs_and_no_item()
    {
        var t = NewTenant();
        var type = await t.CreateTypeAsync($"enc-{Guid.NewGuid():N}");
        var specs = (await t.Admin.Get($"types/{type}/encryption")).ShouldHave(200).Json;
        specs.Keys().ShouldBeEmpty();
        (await t.Admin.Get($"types/{type}/encryption/provider")).ShouldBeFault(404, "itemNotFound")
            .ShouldBe($"Volume type encryption for type {type} does not exist.");
        (await t.Admin.Put($"types/{type}/encryption/{type}", new { encryption = new { provider = "luks" } })).ShouldBeFault(404, "itemNotFound");
        (await t.Admin.Delete($"types/{type}/encryption/{type}")).ShouldBeFault(404, "itemNotFound");
        var missing = Guid.NewGuid();
        (await t.Admin.Get($"types/{missing}/encryption")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Volume type {missing} could not be found.");
    }

    [Fact]
    public async Task Only_admins_read_them_and_no_type_can_be_made_encrypted()
    {
        var t = NewTenant();
        var type = await t.CreateTypeAsync($"enc-{Guid.NewGuid():N}");
        (await t.Member.Get($"types/{type}/encryption")).ShouldBeFault(403, "forbidden")
            .ShouldBe("Policy doesn't allow volume_extension:volume_type_encryption:get to be performed.");
        var body = new { encryption = new { provider = "luks", control_location = "front-end", cipher = "aes-xts-plain64", key_size = 256 } };
        (await t.Member.Post($"types/{type}/encryption", body)).ShouldBeFault(403, "forbidden");
        (await t.Admin.Post($"types/{type}/encryption", body)).ShouldBeFault(400, "badRequest").ShouldStartWith("Invalid input received: volume types cannot be encrypted");
        (await t.Admin.Get($"types/{type}/encryption")).ShouldHave(200).Json.Keys().ShouldBeEmpty();
    }
}
