using System.Text.Json;
using BlockStore.Core.Errors;
using BlockStore.Core.Images;

namespace BlockStore.Api.Images;

/// <summary>
/// <c>PATCH /v2/images/{id}</c> with Glance's JSON patch (<c>application/openstack-images-v2.1-json-patch</c>): a list of
/// <c>{"op": "add" | "replace" | "remove", "path": "/name", "value": …}</c>, applied in order to the image's editable
/// fields (name, visibility, protected, min_disk, min_ram, disk_format and container_format while queued, tags as a whole
/// list) and its extra
/// properties. The whole list applies or none of it.
/// </summary>
public sealed class ImagePatch
{
    public static readonly string[] MediaTypes = ["application/openstack-images-v2.1-json-patch", "application/openstack-images-v2.0-json-patch"];

    private static readonly string[] Core = ["name", "visibility", "protected", "min_disk", "min_ram", "disk_format", "container_format", "tags"];

    private string? _name;
    private ImageVisibility _visibility;
    private bool _protected;
    private int _minDisk, _minRam;
    private string _diskFormat, _containerFormat;
    private readonly Dictionary<string, string> _properties;
    private List<string> _tags;

    private ImagePatch(Image image)
    {
        (_name, _visibility, _protected, _minDisk, _minRam) = (image.Name, image.Visibility, image.Protected, image.MinDisk, image.MinRam);
        (_diskFormat, _containerFormat) = (image.DiskFormat, image.ContainerFormat);
        _properties = new Dictionary<string, string>(image.Properties, StringComparer.Ordinal);
        _tags = image.Tags;
    }

    /// <summary>Whether the change makes the image public, which only an admin may do.</summary>
    public bool Publicizes { get; private set; }

    /// <summary>The image as the operations leave it, checked but not applied.</summary>
    public static ImagePatch Parse(Image image, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Array) throw new InvalidRequestException("The request body must be a JSON array of patch operations.");
        var patch = new ImagePatch(image);
        foreach (var operation in body.EnumerateArray()) patch.Apply(operation);
        patch.Publicizes = patch._visibility == ImageVisibility.Public && image.Visibility != ImageVisibility.Public;
        return patch;
    }

    public void ApplyTo(Image image, DateTime now)
    {
        image.Update(_name, _visibility, _protected, _minDisk, _minRam, _diskFormat, _containerFormat, _properties, now);
        if (!ReferenceEquals(_tags, image.Tags)) image.SetTags(_tags, now);
    }

    private void Apply(JsonElement operation)
    {
        if (operation.ValueKind != JsonValueKind.Object
            || !operation.TryGetProperty("op", out var opElement) || opElement.ValueKind != JsonValueKind.String
            || !operation.TryGetProperty("path", out var pathElement) || pathElement.ValueKind != JsonValueKind.String)
            throw new InvalidRequestException("Each patch operation is an object with a string 'op' and a string 'path'.");
        var op = opElement.GetString();
        var path = pathElement.GetString()!;
        if (op is not ("add" or "replace" or "remove"))
            throw new InvalidRequestException($"Operation '{op}' is not supported: use add, replace or remove.");
        if (!path.StartsWith('/') || path.Length < 2 || path.IndexOf('/', 1) >= 0)
            throw new InvalidRequestException($"Invalid JSON pointer for this resource: '{path}'.");
        var field = path[1..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        if (CreateImageRequest.IsReadOnly(field)) throw new ForbiddenException($"Attribute '{field}' is read-only.");

        if (op == "remove")
        {
            if (Core.Contains(field)) throw new ForbiddenException($"Attribute '{field}' is a core attribute and cannot be removed.");
            if (!_properties.Remove(field)) throw new ConflictException($"Property '{field}' does not exist.");
            return;
        }
        if (!operation.TryGetProperty("value", out var value)) throw new InvalidRequestException($"Operation '{op}' on '{path}' needs a 'value'.");
        if (op == "replace" && !Core.Contains(field) && !_properties.ContainsKey(field))
            throw new ConflictException($"Property '{field}' does not exist; add it instead.");
        switch (field)
        {
            case "name": _name = CreateImageRequest.NameOf(value); break;
            case "visibility": _visibility = CreateImageRequest.ParseVisibility(CreateImageRequest.Text(value, field)); break;
            case "protected": _protected = CreateImageRequest.Flag(value, field); break;
            case "min_disk": _minDisk = CreateImageRequest.NonNegative(value, field); break;
            case "min_ram": _minRam = CreateImageRequest.NonNegative(value, field); break;
            case "disk_format": _diskFormat = CreateImageRequest.Text(value, field) ?? _diskFormat; break;
            case "container_format": _containerFormat = CreateImageRequest.Text(value, field) ?? _containerFormat; break;
            case "tags": _tags = CreateImageRequest.TagsOf(value); break;
            default: _properties[field] = CreateImageRequest.Property(field, value); break;
        }
    }
}
