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
    Dictionary<string, string> Properties)
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
        foreach (var member in body.EnumerateObject())
        {
            var value = member.Value;
            switch (member.Name)
            {
                case "name": name = OptionalString(member); break;
                case "disk_format": diskFormat = OptionalString(member); break;
                case "container_format": containerFormat = OptionalString(member); break;
                case "visibility": visibility = ParseVisibility(OptionalString(member)); break;
                case "protected":
                    isProtected = value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Invalid("protected", "it must be true or false"),
                    };
                    break;
                case "min_disk": minDisk = NonNegative(member); break;
                case "min_ram": minRam = NonNegative(member); break;
                case "tags":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 0)
                        throw new InvalidRequestException("Image tags are not supported; send 'tags' as an empty list or not at all.");
                    break;
                default:
                    if (ReadOnly.Contains(member.Name)) throw new ForbiddenException($"Attribute '{member.Name}' is read-only.");
                    if (member.Name.Length > 255) throw new InvalidRequestException("Extra property names are at most 255 characters.");
                    properties[member.Name] = value.ValueKind == JsonValueKind.String
                        ? value.GetString()!
                        : throw Invalid(member.Name, "extra properties must be strings");
                    break;
            }
        }

        if (name is { Length: > 255 }) throw Invalid("name", "it is longer than 255 characters");
        if (diskFormat is null) throw new InvalidRequestException($"disk_format is required: one of {string.Join(", ", Image.DiskFormats)}.");
        return new CreateImageRequest(name, diskFormat, containerFormat ?? "bare", visibility, isProtected, minDisk, minRam, properties);
    }

    public static ImageVisibility ParseVisibility(string? value) => value switch
    {
        "private" => ImageVisibility.Private,
        "public" => ImageVisibility.Public,
        "shared" or null => ImageVisibility.Shared,
        _ => throw Invalid("visibility", "it must be private, public or shared"),
    };

    private static string? OptionalString(JsonProperty member) => member.Value.ValueKind switch
    {
        JsonValueKind.String => member.Value.GetString(),
        JsonValueKind.Null => null,
        _ => throw Invalid(member.Name, "it must be a string"),
    };

    private static int NonNegative(JsonProperty member) =>
        member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt32(out var n) && n >= 0
            ? n
            : throw Invalid(member.Name, "it must be an integer of 0 or more");

    private static InvalidRequestException Invalid(string field, string why) =>
        new($"Invalid value for '{field}': {why}.");
}
