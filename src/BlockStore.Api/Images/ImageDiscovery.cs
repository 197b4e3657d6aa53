using System.Text.Json;
using System.Text.Json.Nodes;
using BlockStore.Core.Images;

namespace BlockStore.Api.Images;

/// <summary>
/// What a Glance client reads before it calls the registry: the version document (<c>GET /versions</c>) and the JSON
/// schemas the bodies name (<c>GET /v2/schemas/image</c>, <c>images</c>, <c>member</c>, <c>members</c>). glanceclient
/// validates every image it reads against the image schema, so the schema describes exactly what <see cref="ImageView"/>
/// writes.
/// </summary>
public static class ImageDiscovery
{
    /// <summary>
    /// The Glance v2 minor version whose behaviour the registry implements: members (2.1), tags, community visibility
    /// (2.5); not image import (2.6).
    /// </summary>
    public const string Version = "v2.5";

    /// <summary>
    /// <c>GET /versions</c>, Glance's version list (glanceclient reads it), and <c>GET /v2</c>, the one version itself: a
    /// catalog names the image API as <c>…/v2</c>, since <c>/</c> is Cinder's version document, and keystoneauth reads the
    /// catalog's URL first. Neither needs a token.
    /// </summary>
    public static void MapImageVersions(this IEndpointRouteBuilder app)
    {
        app.MapGet("/versions", (HttpContext http) => Results.Json(new JsonObject { ["versions"] = new JsonArray(Current(http)) })).WithTags("Images");
        app.MapGet("/v2", (HttpContext http) => Results.Json(new JsonObject { ["version"] = Current(http) })).WithTags("Images");
    }

    /// <summary>The schemas, and <c>GET /v2/info/import</c>: no interoperable import method, so clients do not offer one.</summary>
    public static void MapImageSchemas(this RouteGroupBuilder v2)
    {
        v2.MapGet("/info/import", () => Json(new JsonObject
        {
            ["import-methods"] = new JsonObject
            {
                ["description"] = "Import methods available: none; upload the data with PUT /v2/images/{id}/file.",
                ["type"] = "array",
                ["value"] = new JsonArray(),
            },
        })).WithTags("Images");
        var schemas = v2.MapGroup("/schemas").WithTags("Images");
        // glanceclient reads the image schema for every command; the documents are constant, so they are written once.
        foreach (var (name, text) in Schemas) schemas.MapGet($"/{name}", () => Results.Text(text, "application/json"));
    }

    private static readonly (string Name, string Text)[] Schemas =
    [
        ("image", Image().ToJsonString()),
        ("images", Collection("images", Image()).ToJsonString()),
        ("member", Member().ToJsonString()),
        ("members", Collection("members", Member()).ToJsonString()),
    ];

    private static IResult Json(JsonObject schema) => Results.Text(schema.ToJsonString(), "application/json");

    private static JsonObject Current(HttpContext http) => new()
    {
        ["id"] = Version,
        ["status"] = "CURRENT",
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = $"{http.Request.Scheme}://{http.Request.Host}/v2/" }),
    };

    /// <summary>The image: its fields, and extra properties as further string members.</summary>
    public static JsonObject Image() => new()
    {
        ["name"] = "image",
        ["properties"] = new JsonObject
        {
            ["id"] = Prop("string", "The image's id.", readOnly: true, pattern: UuidPattern),
            ["name"] = Prop(["null", "string"], "A name for the image; need not be unique.", maxLength: 255),
            ["status"] = Enum("The image's status.", Enum<ImageStatus>().Select(s => s.ToWire()), readOnly: true),
            ["visibility"] = Enum("Who may see and use the image.", Enum<ImageVisibility>().Select(v => v.ToString().ToLowerInvariant())),
            ["protected"] = Prop("boolean", "Whether the image cannot be deleted."),
            ["os_hidden"] = Prop("boolean", "Always false: images are never hidden from lists.", readOnly: true),
            ["checksum"] = Prop(["null", "string"], "MD5 of the uploaded data.", readOnly: true, maxLength: 32),
            ["os_hash_algo"] = Prop(["null", "string"], "The algorithm of os_hash_value.", readOnly: true, maxLength: 64),
            ["os_hash_value"] = Prop(["null", "string"], "The hash of the uploaded data.", readOnly: true, maxLength: 128),
            ["owner"] = Prop(["null", "string"], "The project that owns the image.", readOnly: true, maxLength: 255),
            ["size"] = Prop(["null", "integer"], "Bytes uploaded.", readOnly: true),
            ["virtual_size"] = Prop(["null", "integer"], "The guest disk's size in bytes.", readOnly: true),
            ["min_ram"] = Prop("integer", "MiB of RAM a server booted from the image needs."),
            ["min_disk"] = Prop("integer", "GiB of disk a volume or server made from the image needs."),
            ["disk_format"] = Enum("The format of the uploaded data.", BlockStore.Core.Images.Image.DiskFormats, nullable: true),
            ["container_format"] = Enum("The container of the uploaded data.", BlockStore.Core.Images.Image.ContainerFormats, nullable: true),
            ["created_at"] = Prop("string", "When the image was created.", readOnly: true),
            ["updated_at"] = Prop("string", "When the image last changed.", readOnly: true),
            ["tags"] = new JsonObject
            {
                ["type"] = "array",
                ["description"] = "Strings the image is tagged with.",
                ["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = 255 },
            },
            ["self"] = Prop("string", "The image's URL.", readOnly: true),
            ["file"] = Prop("string", "The URL of the image's data.", readOnly: true),
            ["schema"] = Prop("string", "The URL of this schema.", readOnly: true),
            ["os_blockstore_killed_reason"] = Prop("string", "Why the upload failed, for a killed image.", readOnly: true),
        },
        ["additionalProperties"] = new JsonObject { ["type"] = "string" },
        ["links"] = Links(("self", "{self}"), ("enclosure", "{file}"), ("describedby", "{schema}")),
    };

    public static JsonObject Member() => new()
    {
        ["name"] = "member",
        ["properties"] = new JsonObject
        {
            ["image_id"] = Prop("string", "The image's id.", readOnly: true, pattern: UuidPattern),
            ["member_id"] = Prop("string", "The project the image is shared with.", readOnly: true),
            ["status"] = Enum("The member's answer to the offer.", Enum<ImageMemberStatus>().Select(s => s.ToWire())),
            ["created_at"] = Prop("string", "When the image was offered to the member.", readOnly: true),
            ["updated_at"] = Prop("string", "When the membership last changed.", readOnly: true),
            ["schema"] = Prop("string", "The URL of this schema.", readOnly: true),
        },
        ["additionalProperties"] = false,
    };

    /// <summary>A list body: the items under <paramref name="name"/>, with its links.</summary>
    private static JsonObject Collection(string name, JsonObject item) => new()
    {
        ["name"] = name,
        ["properties"] = new JsonObject
        {
            [name] = new JsonObject { ["type"] = "array", ["items"] = item },
            ["first"] = new JsonObject { ["type"] = "string" },
            ["next"] = new JsonObject { ["type"] = "string" },
            ["schema"] = new JsonObject { ["type"] = "string" },
        },
        ["links"] = Links(("first", "{first}"), ("next", "{next}"), ("describedby", "{schema}")),
    };

    private const string UuidPattern = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";

    private static IEnumerable<T> Enum<T>() where T : struct, System.Enum => System.Enum.GetValues<T>();

    private static JsonObject Prop(JsonNode type, string description, bool readOnly = false, int? maxLength = null, string? pattern = null)
    {
        var prop = new JsonObject { ["type"] = type, ["description"] = description };
        if (readOnly) prop["readOnly"] = true;
        if (maxLength is { } max) prop["maxLength"] = max;
        if (pattern is not null) prop["pattern"] = pattern;
        return prop;
    }

    private static JsonObject Prop(string[] types, string description, bool readOnly = false, int? maxLength = null) =>
        Prop(new JsonArray([.. types.Select(t => (JsonNode)t)]), description, readOnly, maxLength);

    private static JsonObject Enum(string description, IEnumerable<string> values, bool readOnly = false, bool nullable = false)
    {
        var list = new JsonArray([.. values.Select(v => (JsonNode)v)]);
        if (nullable) list.Add(null);
        var prop = Prop(nullable ? new JsonArray("null", "string") : "string", description, readOnly);
        prop["enum"] = list;
        return prop;
    }

    private static JsonArray Links(params (string Rel, string Href)[] links) =>
        new([.. links.Select(l => (JsonNode)new JsonObject { ["rel"] = l.Rel, ["href"] = l.Href })]);
}
