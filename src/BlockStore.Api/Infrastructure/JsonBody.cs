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

    /// <summary>The same escaping, for values serialised ahead of writing (<see cref="CinderJson.WriteJsonObject"/>).</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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

    // Property names written as JsonEncodedText skip the escaping check and the UTF-16 to UTF-8 transcoding that a
    // string name costs on every call; the hot views (a list page writes thousands of members) use them.

    public static void WriteTimestamp(this Utf8JsonWriter w, string name, DateTime? utc) { w.WritePropertyName(name); w.WriteTimestampValue(utc); }

    public static void WriteTimestamp(this Utf8JsonWriter w, JsonEncodedText name, DateTime? utc) { w.WritePropertyName(name); w.WriteTimestampValue(utc); }

    public static void WriteStringOrNull(this Utf8JsonWriter w, string name, string? value) { w.WritePropertyName(name); w.WriteStringOrNullValue(value); }

    public static void WriteStringOrNull(this Utf8JsonWriter w, JsonEncodedText name, string? value) { w.WritePropertyName(name); w.WriteStringOrNullValue(value); }

    public static void WriteStringOrNull(this Utf8JsonWriter w, string name, Guid? value) { w.WritePropertyName(name); w.WriteStringOrNullValue(value); }

    public static void WriteStringOrNull(this Utf8JsonWriter w, JsonEncodedText name, Guid? value) { w.WritePropertyName(name); w.WriteStringOrNullValue(value); }

    private static void WriteStringOrNullValue(this Utf8JsonWriter w, string? value)
    {
        if (value is null) w.WriteNullValue();
        else w.WriteStringValue(value);
    }

    private static void WriteStringOrNullValue(this Utf8JsonWriter w, Guid? value)
    {
        if (value is null) w.WriteNullValue();
        else w.WriteStringValue(value.Value);
    }

    private static void WriteTimestampValue(this Utf8JsonWriter w, DateTime? utc)
    {
        if (utc is null)
        {
            w.WriteNullValue();
            return;
        }
        Span<byte> text = stackalloc byte[TimestampLength];
        FormatTimestamp(utc.Value, text);
        w.WriteStringValue(text);
    }

    private const int TimestampLength = 26; // yyyy-MM-ddTHH:mm:ss.ffffff

    /// <summary>
    /// <see cref="TimestampFormat"/> as UTF-8, digit by digit: DateTime's custom-format path was a visible share of a
    /// list page's CPU. Years below 1000 do not occur (rows are stamped by the clock).
    /// </summary>
    internal static void FormatTimestamp(DateTime t, Span<byte> text)
    {
        Digits(text[..4], t.Year);
        text[4] = (byte)'-';
        Digits(text.Slice(5, 2), t.Month);
        text[7] = (byte)'-';
        Digits(text.Slice(8, 2), t.Day);
        text[10] = (byte)'T';
        Digits(text.Slice(11, 2), t.Hour);
        text[13] = (byte)':';
        Digits(text.Slice(14, 2), t.Minute);
        text[16] = (byte)':';
        Digits(text.Slice(17, 2), t.Second);
        text[19] = (byte)'.';
        Digits(text.Slice(20, 6), (int)(t.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond));

        static void Digits(Span<byte> into, int value)
        {
            for (var i = into.Length - 1; i >= 0; i--, value /= 10) into[i] = (byte)('0' + value % 10);
        }
    }

    public static void WriteDictionary(this Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> values)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in values) w.WriteString(k, v);
        w.WriteEndObject();
    }

    /// <summary>
    /// A member whose value is JSON text already: a jsonb column as PostgreSQL returns it, or a value serialised with
    /// <see cref="JsonBody.SerializerOptions"/>. Not parsed again; both sources only ever produce valid JSON.
    /// </summary>
    public static void WriteJsonObject(this Utf8JsonWriter w, JsonEncodedText name, string json)
    {
        w.WritePropertyName(name);
        w.WriteRawValue(json, skipInputValidation: true);
    }

    private static readonly JsonEncodedText Links = JsonEncodedText.Encode("links"), Rel = JsonEncodedText.Encode("rel"),
        Href = JsonEncodedText.Encode("href"), Self = JsonEncodedText.Encode("self"), Bookmark = JsonEncodedText.Encode("bookmark");

    public static void WriteLinks(this Utf8JsonWriter w, ApiRequest req, string collection, Guid id)
    {
        Span<char> href = stackalloc char[256];
        w.WriteStartArray(Links);
        w.WriteStartObject(); w.WriteString(Rel, Self); w.WriteString(Href, req.Link(href, bookmark: false, collection, id)); w.WriteEndObject();
        w.WriteStartObject(); w.WriteString(Rel, Bookmark); w.WriteString(Href, req.Link(href, bookmark: true, collection, id)); w.WriteEndObject();
        w.WriteEndArray();
    }
}
