using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BlockStore.Api.Infrastructure;

/// <summary>
/// A response body written field by field. Cinder's shapes have conditional members (admin-only,
/// per-microversion) that must be absent rather than null, which a writer states plainly.
/// </summary>
public sealed class JsonBody(int status, Action<Utf8JsonWriter> write) : IResult
{
    public static JsonBody Ok(Action<Utf8JsonWriter> write) => new(200, write);
    public static JsonBody Accepted(Action<Utf8JsonWriter> write) => new(202, write);

    /// <summary>Cinder's body for one resource: <c>{"volume": {…}}</c>.</summary>
    public static JsonBody Single(string name, Action<Utf8JsonWriter> writeObject, int status = 200) => new(status, w =>
    {
        w.WriteStartObject();
        w.WritePropertyName(name);
        writeObject(w);
        w.WriteEndObject();
    });

    /// <summary>
    /// Escapes only what JSON requires, as Python's json does (which leaves '+', '&lt;' or '&amp;' alone); the
    /// bodies are never embedded in HTML.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public int StatusCode => status;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        // Pooled: a list page is tens of KiB, and a buffer grown by doubling would put several large objects
        // on the heap for every request.
        using var buffer = new PooledBufferWriter(16 * 1024);
        await using (var w = new Utf8JsonWriter(buffer, WriterOptions)) write(w);
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = "application/json";
        httpContext.Response.ContentLength = buffer.WrittenCount;
        await httpContext.Response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
    }
}

public static class CinderJson
{
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff";

    /// <summary>Naive UTC with microseconds and no zone: the layout gophercloud parses.</summary>
    public static string Timestamp(DateTime utc) => utc.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public static void WriteTimestamp(this Utf8JsonWriter w, string name, DateTime? utc)
    {
        if (utc is null)
        {
            w.WriteNull(name);
            return;
        }
        Span<char> text = stackalloc char[TimestampFormat.Length];
        var formatted = utc.Value.TryFormat(text, out var length, TimestampFormat, CultureInfo.InvariantCulture);
        if (formatted) w.WriteString(name, text[..length]);
        else w.WriteString(name, Timestamp(utc.Value));
    }

    public static void WriteStringOrNull(this Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    public static void WriteStringOrNull(this Utf8JsonWriter w, string name, Guid? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value.Value);
    }

    public static void WriteDictionary(this Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> values)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in values) w.WriteString(k, v);
        w.WriteEndObject();
    }

    public static void WriteLinks(this Utf8JsonWriter w, ApiRequest req, string collection, Guid id)
    {
        Span<char> href = stackalloc char[256];
        w.WriteStartArray("links");
        w.WriteStartObject(); w.WriteString("rel", "self"); w.WriteString("href", req.Link(href, bookmark: false, collection, id)); w.WriteEndObject();
        w.WriteStartObject(); w.WriteString("rel", "bookmark"); w.WriteString("href", req.Link(href, bookmark: true, collection, id)); w.WriteEndObject();
        w.WriteEndArray();
    }
}
