using System.Globalization;
using System.Text;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Cinder's list parameters (limit, marker, offset, sort or sort_key/sort_dir, filters) turned into one
/// keyset-paged SQL statement over whitelisted columns. Keyset paging means a page costs the same at
/// row 100,000 as at row 0, and a marker returns each row exactly once while rows are added.
/// </summary>
public sealed class ListQuery
{
    public const int MaxLimit = 1000;

    private readonly IReadOnlyDictionary<string, string> _sortable;
    private readonly List<(string Expr, bool Asc)> _sort = [];
    private readonly List<string> _where = [];
    private readonly Dictionary<string, object> _parameters = [];

    public ListQuery(IQueryCollection query, IReadOnlyDictionary<string, string> sortableColumns)
    {
        _sortable = sortableColumns;
        Limit = ParseInt(query["limit"], "limit") is { } l ? Math.Min(l, MaxLimit) : MaxLimit;
        Offset = ParseInt(query["offset"], "offset") ?? 0;
        Marker = query["marker"].ToString() is { Length: > 0 } m ? m : null;
        ParseSort(query);
    }

    public int Limit { get; }
    public int Offset { get; }
    public string? Marker { get; }
    public IReadOnlyDictionary<string, object> Parameters => _parameters;

    public void Where(string sqlCondition, params (string Name, object Value)[] parameters)
    {
        _where.Add(sqlCondition);
        foreach (var (name, value) in parameters) _parameters[name] = value;
    }

    /// <summary>Rows after the marker row in sort order (the marker itself excluded).</summary>
    public void After(Guid marker, string table)
    {
        _parameters["marker"] = marker;
        var or = new List<string>();
        for (var i = 0; i < _sort.Count; i++)
        {
            var and = new List<string>();
            for (var j = 0; j < i; j++) and.Add($"{_sort[j].Expr} = {Marked(_sort[j].Expr)}");
            and.Add($"{_sort[i].Expr} {(_sort[i].Asc ? ">" : "<")} {Marked(_sort[i].Expr)}");
            or.Add("(" + string.Join(" AND ", and) + ")");
        }
        _where.Add("(" + string.Join(" OR ", or) + ")");

        string Marked(string expr) => $"(SELECT {expr.Replace("v.", "mk.")} FROM {table} mk WHERE mk.id = @marker)";
    }

    public string Select(string table) =>
        new StringBuilder($"SELECT v.*, v.xmin FROM {table} v")
            .Append(WhereClause())
            .Append(" ORDER BY ").Append(string.Join(", ", _sort.Select(s => $"{s.Expr} {(s.Asc ? "ASC" : "DESC")}")))
            .Append(CultureInfo.InvariantCulture, $" LIMIT {Limit} OFFSET {Offset}")
            .ToString();

    public string Count(string table) => $"SELECT count(*)::int AS \"Value\" FROM {table} v{WhereClause()}";

    private string WhereClause() => _where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", _where);

    private void ParseSort(IQueryCollection query)
    {
        var items = new List<(string Key, string Dir)>();
        if (query["sort"].ToString() is { Length: > 0 } sort)
        {
            foreach (var part in sort.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var kv = part.Split(':', 2);
                items.Add((kv[0], kv.Length > 1 ? kv[1] : "desc"));
            }
        }
        else if (query["sort_key"].ToString() is { Length: > 0 } key)
        {
            items.Add((key, query["sort_dir"].ToString() is { Length: > 0 } d ? d : "desc"));
        }
        if (items.Count == 0) items.Add(("created_at", "desc"));

        foreach (var (key, dir) in items)
        {
            if (!_sortable.TryGetValue(key, out var expr)) throw new InvalidRequestException($"Invalid input received: Invalid sort key {key}.");
            if (dir is not ("asc" or "desc")) throw new InvalidRequestException($"Invalid input received: Invalid sort direction {dir}.");
            _sort.Add((expr, dir == "asc"));
        }
        // The id breaks ties, so the order is total and a marker is unambiguous.
        if (!_sort.Any(s => s.Expr == "v.id")) _sort.Add(("v.id", _sort[^1].Asc));
    }

    private static int? ParseInt(string? value, string name)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new InvalidRequestException($"Invalid input received: {name} must be a non-negative integer, not '{value}'.");
        return n;
    }
}
