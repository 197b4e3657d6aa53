using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BlockStore.Api.Volumes;

/// <summary>Filters, sorting and paging of <c>GET …/volumes</c> and <c>…/volumes/detail</c>.</summary>
public static class VolumeListing
{
    private const string Table = "blockstore.volumes";

    private static readonly Dictionary<string, string> Sortable = new()
    {
        ["created_at"] = "v.created_at",
        ["updated_at"] = "COALESCE(v.updated_at, '-infinity'::timestamptz)",
        ["id"] = "v.id",
        ["name"] = "COALESCE(v.name, '')",
        ["size"] = "v.size",
        ["status"] = "v.status",
        ["availability_zone"] = "v.availability_zone",
        ["bootable"] = "v.bootable",
    };

    public static async Task<(List<Volume> Page, int? Count, ListQuery Query)> QueryAsync(
        BlockStoreDbContext db, IQueryCollection q, ApiRequest req, CancellationToken ct)
    {
        var list = new ListQuery(q, Sortable);
        var allTenants = req.Caller.IsAdmin && IsTrue(q["all_tenants"]);
        if (!allTenants) list.Where("v.project_id = @project", ("project", req.ProjectId));
        AddFilters(list, q, req);

        if (list.Marker is not null)
        {
            if (!Guid.TryParse(list.Marker, out var marker)
                || !await db.Volumes.AnyAsync(v => v.Id == marker && (allTenants || v.ProjectId == req.ProjectId), ct))
                throw new InvalidRequestException($"Invalid input received: marker [{list.Marker}] not found.");
            list.After(marker, Table);
        }

        var parameters = list.Parameters.Select(p => (object)new NpgsqlParameter(p.Key, p.Value)).ToArray();
        var page = await db.Volumes.FromSqlRaw(list.Select(Table), parameters).AsNoTracking().ToListAsync(ct);
        int? count = null;
        if (req.Version.AtLeast(45) && IsTrue(q["with_count"]))
        {
            var countQuery = new ListQuery(q, Sortable);
            if (!allTenants) countQuery.Where("v.project_id = @project", ("project", req.ProjectId));
            AddFilters(countQuery, q, req);
            count = await db.Database.SqlQueryRaw<int>(countQuery.Count(Table),
                countQuery.Parameters.Select(p => (object)new NpgsqlParameter(p.Key, p.Value)).ToArray()).SingleAsync(ct);
        }
        return (page, count, list);
    }

    private static void AddFilters(ListQuery list, IQueryCollection q, ApiRequest req)
    {
        if (q["name"].ToString() is { Length: > 0 } name) list.Where("v.name = @name", ("name", name));
        if (q["status"].ToString() is { Length: > 0 } status) list.Where("v.status = @status", ("status", status));
        if (q["availability_zone"].ToString() is { Length: > 0 } az) list.Where("v.availability_zone = @az", ("az", az));
        if (q["bootable"].ToString() is { Length: > 0 } bootable) list.Where("v.bootable = @bootable", ("bootable", IsTrue(bootable)));
        if (q["metadata"].ToString() is { Length: > 0 } metadata)
            list.Where("v.metadata @> @metadata::jsonb", ("metadata", MetadataFilter(metadata)));
        if (req.Version.AtLeast(60))
        {
            AddTimeFilter(list, q, "created_at");
            AddTimeFilter(list, q, "updated_at");
        }
    }

    /// <summary>3.60: <c>created_at=gt:2020-01-01T00:00:00</c>, with gt, gte, lt, lte, eq, neq.</summary>
    private static void AddTimeFilter(ListQuery list, IQueryCollection q, string column)
    {
        var raw = q[column].ToString();
        if (raw.Length == 0) return;
        var parts = raw.Split(':', 2);
        var op = parts.Length == 2 ? parts[0] switch
        {
            "gt" => ">", "gte" => ">=", "lt" => "<", "lte" => "<=", "eq" => "=", "neq" => "<>", _ => null,
        } : null;
        if (op is null || !DateTime.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
            throw new InvalidRequestException($"Invalid input received: {column} filter must look like gt:2020-01-01T00:00:00.");
        list.Where($"v.{column} {op} @{column}", (column, DateTime.SpecifyKind(at, DateTimeKind.Utc)));
    }

    /// <summary>cinderclient sends a Python dict's repr; JSON is accepted too.</summary>
    private static string MetadataFilter(string raw)
    {
        try
        {
            var dict = JsonSerializer.Deserialize<Dictionary<string, string>>(raw.Replace('\'', '"'));
            return JsonSerializer.Serialize(dict);
        }
        catch (JsonException)
        {
            throw new InvalidRequestException("Invalid input received: metadata filter must be a JSON object of strings.");
        }
    }

    public static bool IsTrue(string? value) =>
        value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("yes", StringComparison.OrdinalIgnoreCase));

    /// <summary>Cinder's <c>volumes_links</c>: the same query, with the marker at the last row of a full page.</summary>
    public static string NextHref(HttpRequest http, ApiRequest req, string path, Guid lastId)
    {
        var query = http.Query.Where(p => p.Key != "marker")
            .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value.ToString())}")
            .Append($"marker={lastId}");
        return $"{req.BaseUrl}/v3/{req.ProjectId}/{path}?{string.Join("&", query)}";
    }
}
