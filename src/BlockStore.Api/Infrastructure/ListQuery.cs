using System.Globalization;
using System.Text;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Cinder's list parameters (limit, marker, offset, sort or sort_key/sort_dir, filters) turned into one
/// keyset-paged SQL statement over whitelisted columns. Keyset paging means a page costs the same at
/// row 100,000 as at row 0, and a marker returns each row exactly once while rows are added.
/// </summary>
/// <remarks>
/// Conditions come in two kinds. <see cref="Scope"/> says which rows the caller may see at all (their
/// project, not hidden); a marker must be one of those. <see cref="Where"/> is a filter the caller asked
/// for; it narrows the page and the count but does not invalidate a marker.
/// </remarks>
public sealed class ListQuery
{
    public const int MaxLimit = 1000;

    private readonly string _table;
    private readonly IReadOnlyDictionary<string, string> _sortable;
    private readonly List<(string Expr, bool Asc)> _sort = [];
    private readonly List<string> _scope = [];
    private readonly List<string> _filters = [];
    private readonly Dictionary<string, object> _parameters = [];

    public ListQuery(IQueryCollection query, string table, IReadOnlyDictionary<string, string> sortableColumns)
    {
        _table = table;
        _sortable = sortableColumns;
        Limit = ParseInt(query["limit"], "limit") is { } l ? Math.Min(l, MaxLimit) : MaxLimit;
        Offset = ParseInt(query["offset"], "offset") ?? 0;
        Marker = query["marker"].ToString() is { Length: > 0 } m ? m : null;
        ParseSort(query);
    }

    public int Limit { get; }
    public int Offset { get; }
    public string? Marker { get; }

    public ListQuery Scope(string sqlCondition, params (string Name, object Value)[] parameters) => Add(_scope, sqlCondition, parameters);

    public ListQuery Where(string sqlCondition, params (string Name, object Value)[] parameters) => Add(_filters, sqlCondition, parameters);

    /// <summary>Runs the page query (and the count when asked); an unknown or invisible marker is refused.</summary>
    public Task<ListPage<T>> RunAsync<T>(BlockStoreDbContext db, bool withCount, CancellationToken ct) where T : class =>
        RunAsync(db, withCount, "v.*, v.xmin", (sql, parameters) => db.Set<T>().FromSqlRaw(sql, parameters).AsNoTracking().ToListAsync(ct), ct);

    /// <summary>
    /// Runs the page query through <paramref name="rows"/>, read straight off Npgsql: one round trip, no entity
    /// materialisation. For the hot lists, whose rows go to the response as they are.
    /// </summary>
    public Task<ListPage<T>> RunAsync<T>(BlockStoreDbContext db, bool withCount, RowReader<T> rows, CancellationToken ct) =>
        RunAsync(db, withCount, rows.Select, (sql, parameters) => rows.ReadAsync(db, sql, parameters, ct), ct);

    private async Task<ListPage<T>> RunAsync<T>(BlockStoreDbContext db, bool withCount, string select,
        Func<string, object[], Task<List<T>>> page, CancellationToken ct)
    {
        var conditions = _scope.Concat(_filters).ToList();
        (string Name, object Value)[] markerParameter = [];
        if (Marker is not null)
        {
            // Only columns and conditions written in this codebase reach the SQL text; values are parameters.
            var visible = $"SELECT count(*)::int AS \"Value\" FROM {_table} v{WhereClause([.. _scope.Prepend("v.id = @marker")])}";
            if (!Guid.TryParse(Marker, out var marker)
                || await db.Database.SqlQueryRaw<int>(visible, SqlParameters(("marker", marker))).SingleAsync(ct) == 0)
                throw InvalidRequestException.MarkerNotFound(Marker);
            conditions.Add(AfterMarker());
            markerParameter = [("marker", marker)];
        }
        var items = await page(PageSql(select, conditions), SqlParameters(markerParameter));
        return new ListPage<T>(items, withCount ? await CountAsync(db, ct) : null, Limit);
    }

    private string PageSql(string select, List<string> conditions) =>
        new StringBuilder($"SELECT {select} FROM {_table} v")
            .Append(WhereClause(conditions))
            .Append(" ORDER BY ").Append(string.Join(", ", _sort.Select(s => $"{s.Expr} {(s.Asc ? "ASC" : "DESC")}")))
            .Append(CultureInfo.InvariantCulture, $" LIMIT {Limit} OFFSET {Offset}")
            .ToString();

    /// <summary>Cinder's <c>count</c> (3.45): every row the scope and filters select, regardless of paging.</summary>
    private Task<int> CountAsync(BlockStoreDbContext db, CancellationToken ct)
    {
        var sql = $"SELECT count(*)::int AS \"Value\" FROM {_table} v{WhereClause([.. _scope, .. _filters])}";
        return db.Database.SqlQueryRaw<int>(sql, SqlParameters()).SingleAsync(ct);
    }

    /// <summary>Rows after the marker row in sort order (the marker itself excluded).</summary>
    private string AfterMarker()
    {
        var or = new List<string>();
        for (var i = 0; i < _sort.Count; i++)
        {
            var and = new List<string>();
            for (var j = 0; j < i; j++) and.Add($"{_sort[j].Expr} = {Marked(_sort[j].Expr)}");
            and.Add($"{_sort[i].Expr} {(_sort[i].Asc ? ">" : "<")} {Marked(_sort[i].Expr)}");
            or.Add("(" + string.Join(" AND ", and) + ")");
        }
        return "(" + string.Join(" OR ", or) + ")";

        string Marked(string expr) => $"(SELECT {expr.Replace("v.", "mk.", StringComparison.Ordinal)} FROM {_table} mk WHERE mk.id = @marker)";
    }

    // Npgsql parameters belong to one command, so every statement gets fresh ones.
    private object[] SqlParameters(params (string Name, object Value)[] extra) =>
        _parameters.Select(p => (p.Key, p.Value)).Concat(extra)
            .Select(p => (object)new NpgsqlParameter(p.Item1, p.Item2)).ToArray();

    private ListQuery Add(List<string> into, string sqlCondition, (string Name, object Value)[] parameters)
    {
        into.Add(sqlCondition);
        foreach (var (name, value) in parameters) _parameters[name] = value;
        return this;
    }

    private static string WhereClause(IReadOnlyCollection<string> conditions) =>
        conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);

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

/// <summary>
/// A page's rows read by hand: the select list (over the table as <c>v</c>; it may join other tables in subqueries) and
/// how to read one row of it. The ordinals <paramref name="Read"/> uses follow <paramref name="Select"/>.
/// </summary>
public sealed record RowReader<T>(string Select, Func<NpgsqlDataReader, T> Read)
{
    public async Task<List<T>> ReadAsync(BlockStoreDbContext db, string sql, object[] parameters, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.AddRange(parameters);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<T>();
            while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>One page of a list, with the total when <c>with_count</c> asked for it.</summary>
public sealed record ListPage<T>(List<T> Items, int? Count, int Limit)
{
    /// <summary>A full page may have a successor, so Cinder advertises a next link.</summary>
    public bool IsFull => Items.Count > 0 && Items.Count == Limit;
}
