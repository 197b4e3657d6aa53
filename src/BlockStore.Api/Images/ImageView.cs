using System.Globalization;
using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Images;

namespace BlockStore.Api.Images;

/// <summary>Glance v2's image body: flat, with the extra properties as top-level members.</summary>
public static class ImageView
{
    public static void Write(Utf8JsonWriter w, Image i)
    {
        w.WriteStartObject();
        // Extra properties first, so that a property can never shadow a core field a client reads.
        foreach (var (key, value) in i.Properties) w.WriteString(key, value);
        w.WriteString("id", i.Id);
        w.WriteStringOrNull("name", i.Name);
        w.WriteString("status", i.Status.ToWire());
        w.WriteString("visibility", i.Visibility.ToString().ToLowerInvariant());
        w.WriteBoolean("protected", i.Protected);
        w.WriteBoolean("os_hidden", false);
        w.WriteStringOrNull("checksum", i.Checksum);
        w.WriteStringOrNull("os_hash_algo", i.HashValue is null ? null : "sha512");
        w.WriteStringOrNull("os_hash_value", i.HashValue);
        w.WriteString("owner", i.ProjectId);
        WriteNumberOrNull(w, "size", i.Size);
        WriteNumberOrNull(w, "virtual_size", i.VirtualSize);
        w.WriteNumber("min_ram", i.MinRam);
        w.WriteNumber("min_disk", i.MinDisk);
        w.WriteString("disk_format", i.DiskFormat);
        w.WriteString("container_format", i.ContainerFormat);
        w.WriteString("created_at", Timestamp(i.CreatedAt));
        w.WriteString("updated_at", Timestamp(i.UpdatedAt));
        w.WriteStartArray("tags");
        foreach (var tag in i.Tags) w.WriteStringValue(tag);
        w.WriteEndArray();
        w.WriteString("self", $"/v2/images/{i.Id}");
        w.WriteString("file", $"/v2/images/{i.Id}/file");
        w.WriteString("schema", "/v2/schemas/image");
        if (i.KilledReason is { } reason) w.WriteString("os_blockstore_killed_reason", reason);
        w.WriteEndObject();
    }

    public static JsonBody One(Image i, int status = 200) => new(status, w => Write(w, i));

    /// <summary>Glance's list: <c>{"images": [...], "first": …, "schema": …, "next": …}</c>, next only after a full page.</summary>
    public static JsonBody List(ListPage<Image> page, HttpRequest http) => JsonBody.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("images");
        foreach (var image in page.Items) Write(w, image);
        w.WriteEndArray();
        w.WriteString("first", "/v2/images");
        w.WriteString("schema", "/v2/schemas/images");
        if (page.IsFull)
        {
            var query = http.Query.Where(p => p.Key != "marker")
                .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value.ToString())}")
                .Append($"marker={page.Items[^1].Id}");
            w.WriteString("next", $"/v2/images?{string.Join("&", query)}");
        }
        w.WriteEndObject();
    });

    /// <summary>Glance's timestamps: UTC to the second, with a Z.</summary>
    internal static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }
}
