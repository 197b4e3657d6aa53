using System.Text.Json;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;

namespace BlockStore.Api.Images;

/// <summary>
/// The body of <c>POST /v2/images</c>. Glance's body is flat and open (any other string member is an
/// extra property), so it is read member by member rather than bound to a class.
/// </summary>
public sealed record CreateImageRequest(
    string? Name, string DiskFormat, string ContainerFormat, ImageVisibility Visibility, bool Protected, int MinDisk, int MinRam,
    Dictionary<string, string> Properties, List<string> Tags)
{
    /// <summary>Members Glance computes or owns; setting them is refused with 403, as Glance does.</summary>
    private static readonly HashSet<string> ReadOnly =
    [
        "id", "status", "checksum", "os_hash_algo", "os_hash_value", "owner", "size", "virtual_size", "created_at", "updated_at",
        "self", "file", "schema", "locations", "direct_url", "os_hidden", "os_blockstore_killed_reason",
    ];

    public static CreateImageRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new InvalidRequestException("The request body must be a JSON object describing the image.");
        string? name = null, diskFormat = null, containerFormat = null;
        var visibility = ImageVisibility.Shared;
        bool isProtected = false;
        int minDisk = 0, minRam = 0;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        List<string> tags = [];
        foreach (var member in body.EnumerateObject())
        {
            var value = member.Value;
            switch (member.Name)
            {
                case "name": name = NameOf(value); break;
                case "disk_format": diskFormat = Text(value, member.Name); break;
                case "container_format": containerFormat = Text(value, member.Name); break;
                case "visibility": visibility = ParseVisibility(Text(value, member.Name)); break;
                case "protected": isProtected = Flag(value, member.Name); break;
                case "min_disk": minDisk = NonNegative(value, member.Name); break;
                case "min_ram": minRam = NonNegative(value, member.Name); break;
                case "tags": tags = TagsOf(value); break;
                default:
                    if (IsReadOnly(member.Name)) throw new ForbiddenException($"Attribute '{member.Name}' is read-only.");
                    properties[member.Name] = Property(member.Name, value);
                    break;
            }
        }

        if (diskFormat is null) throw new InvalidRequestException($"disk_format is required: one of {string.Join(", ", Image.DiskFormats)}.");
        return new CreateImageRequest(name, diskFormat, containerFormat ?? "bare", visibility, isProtected, minDisk, minRam, properties, tags);
    }

    public static ImageVisibility ParseVisibility(string? value) => value switch
    {
        "private" => ImageVisibility.Private,
        "public" => ImageVisibility.Public,
        "shared" or null => ImageVisibility.Shared,
        "community" => ImageVisibility.Community,
        _ => throw Invalid("visibility", "it must be private, public, shared or community"),
    };

    /// <summary>Whether Glance computes or owns <paramref name="field"/>, so that setting it is refused (403).</summary>
    public static bool IsReadOnly(string field) => ReadOnly.Contains(field);

    public static string? NameOf(JsonElement value) =>
        Text(value, "name") is { Length: > 255 } ? throw Invalid("name", "it is longer than 255 characters") : Text(value, "name");

    public static string? Text(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => throw Invalid(field, "it must be a string"),
    };

    public static bool Flag(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Invalid(field, "it must be true or false"),
    };

    public static int NonNegative(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 0
            ? n
            : throw Invalid(field, "it must be an integer of 0 or more");

    /// <summary><c>tags</c>: a list of strings (their lengths and number are the image's to check).</summary>
    public static List<string> TagsOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String)
            ? [.. value.EnumerateArray().Select(t => t.GetString()!)]
            : throw Invalid("tags", "it must be a list of strings");

    /// <summary>An extra property: a name of at most 255 characters, and a string value.</summary>
    public static string Property(string field, JsonElement value)
    {
        if (field.Length > 255) throw new InvalidRequestException("Extra property names are at most 255 characters.");
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(field, "extra properties must be strings");
    }

    private static InvalidRequestException Invalid(string field, string why) =>
        new($"Invalid value for '{field}': {why}.");
}
