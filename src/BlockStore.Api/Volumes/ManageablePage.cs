using System.Globalization;
using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Services;

namespace BlockStore.Api.Volumes;

/// <summary>
/// Cinder's paging of a manageable list, which is sorted and cut in memory: <c>sort</c> (or <c>sort_key</c> and
/// <c>sort_dir</c>) over <c>reference</c> and <c>size</c>, <c>reference</c> descending by default; <c>marker</c>, the
/// reference of the last entry seen, as JSON (<c>{"source-name": "…"}</c>); then <c>offset</c> and <c>limit</c>.
/// </summary>
public sealed class ManageablePage
{
    private static readonly string[] SortKeys = ["reference", "size"];

    private ManageablePage(List<(string Key, bool Asc)> sort, string? marker, int offset, int limit) =>
        (Sort, Marker, Offset, Limit) = (sort, marker, offset, limit);

    public IReadOnlyList<(string Key, bool Asc)> Sort { get; }
    /// <summary>The marker's <c>source-name</c>.</summary>
    public string? Marker { get; }
    public int Offset { get; }
    public int Limit { get; }

    public static ManageablePage Parse(IQueryCollection query)
    {
        var pairs = new List<(string Key, string Dir)>();
        if (query["sort"].ToString() is { Length: > 0 } sort)
        {
            if (query.ContainsKey("sort_key") || query.ContainsKey("sort_dir"))
                throw new InvalidRequestException("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.");
            foreach (var part in sort.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var kv = part.Split(':', 2, StringSplitOptions.TrimEntries);
                pairs.Add((kv[0], kv.Length > 1 ? kv[1] : "desc"));
            }
        }
        else if (query["sort_key"].ToString() is { Length: > 0 } key)
        {
            pairs.Add((key, query["sort_dir"].ToString() is { Length: > 0 } d ? d : "desc"));
        }
        if (pairs.Count == 0) pairs.Add(("reference", "desc"));
        if (pairs.Select(p => p.Key).Where(k => !SortKeys.Contains(k)).ToList() is { Count: > 0 } badKeys)
            throw new InvalidRequestException($"Invalid sort keys passed: {string.Join(", ", badKeys)}");
        if (pairs.Select(p => p.Dir).Where(d => d is not ("asc" or "desc")).ToList() is { Count: > 0 } badDirs)
            throw new InvalidRequestException($"Invalid sort dirs passed: {string.Join(", ", badDirs)}");

        var limit = ParseCount(query["limit"], "limit") ?? ListQuery.MaxLimit;
        var offset = ParseCount(query["offset"], "offset") ?? 0;
        return new ManageablePage(pairs.Select(p => (p.Key, p.Dir == "asc")).ToList(), ParseMarker(query["marker"]), offset,
            Math.Min(limit, ListQuery.MaxLimit));
    }

    /// <summary>
    /// A manageable list's query: the backend of the host named (one of <c>host</c> and, from 3.17, <c>cluster</c>,
    /// which BlockStore never finds), and the page.
    /// </summary>
    public static async Task<(string Backend, ManageablePage Page)> ParseAsync(IQueryCollection query, ApiRequest req, BlockStoreDbContext db,
        CancellationToken ct)
    {
        var host = NonEmpty(query["host"]);
        var cluster = NonEmpty(query["cluster"]);
        ManageApi.RequireOneOf(host, cluster, req.Version.AtLeast(17));
        var page = Parse(query);
        var service = cluster is null ? await ServiceRegistry.FindVolumeServiceAsync(db, host!, ct) : null;
        if (service is null)
            throw new ResourceNotFoundException(cluster is null ? $"Service cinder-volume could not be found on host {host}." : $"Cluster {cluster} could not be found.");
        return (service.Backend, page);
    }

    /// <summary>
    /// <c>{"<paramref name="key"/>": [...]}</c>, this page of <paramref name="entries"/>; a snapshot's entry also names its
    /// volume's storage (<c>source_reference</c>).
    /// </summary>
    public IResult Write(string key, IEnumerable<ManageableEntry> entries, bool detail) => JsonBody.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray(key);
        foreach (var e in Apply(entries))
        {
            w.WriteStartObject();
            WriteReference(w, "reference", e.Reference);
            w.WriteNumber("size", e.Size);
            w.WriteBoolean("safe_to_manage", e.ReasonNotSafe is null);
            if (e.Source is { } source) WriteReference(w, "source_reference", source);
            if (detail)
            {
                w.WriteString("reason_not_safe", e.ReasonNotSafe);
                if (e.CinderId is { } id) w.WriteString("cinder_id", id); else w.WriteNull("cinder_id");
                w.WriteNull("extra_info");
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteReference(Utf8JsonWriter w, string name, string sourceName)
    {
        w.WriteStartObject(name);
        w.WriteString("source-name", sourceName);
        w.WriteEndObject();
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>The page of <paramref name="entries"/>: sorted, from after the marker, past the offset, up to the limit.</summary>
    public IEnumerable<ManageableEntry> Apply(IEnumerable<ManageableEntry> entries)
    {
        var sorted = entries.Order(Comparer<ManageableEntry>.Create(Compare)).ToList();
        var start = 0;
        if (Marker is not null)
        {
            var at = sorted.FindIndex(e => e.Reference == Marker);
            if (at < 0) throw new InvalidRequestException($"Invalid input received: marker not found: {{'source-name': '{Marker}'}}");
            start = at + 1;
        }
        return sorted.Skip(start + Offset).Take(Limit);
    }

    private int Compare(ManageableEntry a, ManageableEntry b)
    {
        foreach (var (key, asc) in Sort)
        {
            var c = key == "size" ? a.Size.CompareTo(b.Size) : string.CompareOrdinal(a.Reference, b.Reference);
            if (c != 0) return asc ? c : -c;
        }
        return 0;
    }

    private static string? ParseMarker(string? marker)
    {
        if (string.IsNullOrEmpty(marker)) return null;
        try
        {
            using var doc = JsonDocument.Parse(marker);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("source-name", out var name)
                && name.ValueKind == JsonValueKind.String)
                return name.GetString();
        }
        catch (JsonException)
        {
        }
        throw new InvalidRequestException($"Invalid input received: marker {marker} can not be analysed, please use json like format");
    }

    private static int? ParseCount(string? value, string name)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            throw new InvalidRequestException($"{name} param must be an integer");
        if (n < 0) throw new InvalidRequestException($"{name} param must be positive");
        return n;
    }
}
