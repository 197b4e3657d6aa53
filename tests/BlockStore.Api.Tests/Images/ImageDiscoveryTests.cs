using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;
using BlockStore.Core.Images;

namespace BlockStore.Api.Tests.Images;

/// <summary>
/// What Glance clients read first: <c>/versions</c>, and the schemas, against which glanceclient validates every image it
/// reads. So each body must satisfy its schema: known fields of the right type, extra properties only as strings.
/// </summary>
public sealed class ImageDiscoveryTests : ApiTest
{
    [Fact]
    public async Task Versions_and_v2_answer_without_a_token()
    {
        var version = (await Host.RawClient(null, "x").Get("/versions")).ShouldHave(200).Json.GetProperty("versions")[0];
        version.GetProperty("id").GetString().ShouldBe("v2.5");
        version.GetProperty("status").GetString().ShouldBe("CURRENT");
        version.GetProperty("links")[0].GetProperty("href").GetString()!.ShouldEndWith("/v2/");
        // The version itself, where a catalog points image clients (/ is the volume API's document).
        (await Host.RawClient(null, "x").Get("/v2")).ShouldHave(200).Json.GetProperty("version").GetProperty("id").GetString().ShouldBe("v2.5");
    }

    [Fact]
    public async Task Schemas_need_a_token_and_name_themselves()
    {
        (await Host.RawClient(null, "x").Get("/v2/schemas/image")).ShouldBeFault(401, "unauthorized");
        var t = NewTenant();
        foreach (var name in new[] { "image", "images", "member", "members" })
            (await t.Reader.Get($"/v2/schemas/{name}")).ShouldHave(200).Json.GetProperty("name").GetString().ShouldBe(name);
    }

    [Fact]
    public async Task No_import_method_is_offered()
    {
        var methods = (await NewTenant().Reader.Get("/v2/info/import")).ShouldHave(200).Json.GetProperty("import-methods");
        methods.GetProperty("value").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Every_image_and_member_body_satisfies_its_schema()
    {
        var owner = NewTenant();
        var other = NewTenant();
        var active = await Host.ActiveImageAsync(owner.ProjectId, 1L << 30, visibility: ImageVisibility.Shared);
        var queued = (await owner.Member.Post("/v2/images", new { name = (string?)null, disk_format = "qcow2", os_distro = "debian", tags = new[] { "a" } }))
            .ShouldHave(201).Json;
        var schema = (await owner.Member.Get("/v2/schemas/image")).ShouldHave(200).Json;
        ShouldSatisfy(queued, schema);
        ShouldSatisfy((await owner.Member.Get($"/v2/images/{active.Id}")).ShouldHave(200).Json, schema);
        var list = (await owner.Member.Get($"/v2/images?owner={owner.ProjectId}")).ShouldHave(200).Json;
        var listSchema = (await owner.Member.Get("/v2/schemas/images")).ShouldHave(200).Json;
        ShouldSatisfy(list, listSchema);

        var member = (await owner.Member.Post($"/v2/images/{active.Id}/members", new { member = other.ProjectId })).ShouldHave(200).Json;
        ShouldSatisfy(member, (await owner.Member.Get("/v2/schemas/member")).ShouldHave(200).Json);
        ShouldSatisfy((await owner.Member.Get($"/v2/images/{active.Id}/members")).ShouldHave(200).Json,
            (await owner.Member.Get("/v2/schemas/members")).ShouldHave(200).Json);
    }

    [Fact]
    public void The_checker_itself_refuses_what_glanceclient_would()
    {
        var schema = JsonDocument.Parse("""
            {"properties": {"size": {"type": ["null", "integer"]}, "status": {"type": "string", "enum": ["active"]}},
             "additionalProperties": {"type": "string"}}
            """).RootElement;
        Should.Throw<ShouldAssertException>(() => ShouldSatisfy(JsonDocument.Parse("""{"size": "1"}""").RootElement, schema));
        Should.Throw<ShouldAssertException>(() => ShouldSatisfy(JsonDocument.Parse("""{"status": "killed"}""").RootElement, schema));
        Should.Throw<ShouldAssertException>(() => ShouldSatisfy(JsonDocument.Parse("""{"extra": 1}""").RootElement, schema));
        var closed = JsonDocument.Parse("""{"properties": {}, "additionalProperties": false}""").RootElement;
        Should.Throw<ShouldAssertException>(() => ShouldSatisfy(JsonDocument.Parse("""{"extra": "x"}""").RootElement, closed));
        ShouldSatisfy(JsonDocument.Parse("""{"size": null, "status": "active", "extra": "x"}""").RootElement, schema);
    }

    /// <summary>The part of JSON Schema these schemas use: type (one or several), enum, maxLength, items, additionalProperties.</summary>
    private static void ShouldSatisfy(JsonElement value, JsonElement schema, string path = "$")
    {
        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
            types.ShouldContain(TypeOf(value), $"{path}: {value.GetRawText()} is not of type {type.GetRawText()}");
        }
        if (schema.TryGetProperty("enum", out var allowed))
            allowed.EnumerateArray().Any(a => a.GetRawText() == value.GetRawText()).ShouldBeTrue($"{path}: {value.GetRawText()} is not in {allowed.GetRawText()}");
        if (schema.TryGetProperty("maxLength", out var max) && value.ValueKind == JsonValueKind.String)
            value.GetString()!.Length.ShouldBeLessThanOrEqualTo(max.GetInt32(), path);
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray()) ShouldSatisfy(item, items, $"{path}[{i++}]");
        }
        if (value.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties)) return;
        foreach (var member in value.EnumerateObject())
        {
            if (properties.TryGetProperty(member.Name, out var known)) ShouldSatisfy(member.Value, known, $"{path}.{member.Name}");
            else if (schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind == JsonValueKind.Object)
                ShouldSatisfy(member.Value, extra, $"{path}.{member.Name}");
            else if (schema.TryGetProperty("additionalProperties", out var open) && open.ValueKind == JsonValueKind.False)
                throw new ShouldAssertException($"{path}.{member.Name} is not in the schema, which allows no other members");
        }
    }

    private static string TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "array",
        _ => "object",
    };
}
