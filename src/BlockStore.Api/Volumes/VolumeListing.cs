using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Volumes;

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
        ["display_name"] = "COALESCE(v.name, '')", // what cinderclient sends for name, and Cinder's column
        ["size"] = "v.size",
        ["status"] = "v.status",
        ["availability_zone"] = "v.availability_zone",
        ["bootable"] = "v.bootable",
    };

    public static Task<ListPage<VolumeRow>> QueryAsync(BlockStoreDbContext db, IQueryCollection q, ApiRequest req, CancellationToken ct)
    {
        ResourceFiltersApi.RejectUnknown("volume", q, req);
        var list = new ListQuery(q, Table, Sortable);
        ListFilters.Projects(list, q, req);
        AddFilters(list, q, req);
        return list.RunAsync(db, QueryFlags.WithCount(q, req), VolumeRow.Reader, ct);
    }

    private static void AddFilters(ListQuery list, IQueryCollection q, ApiRequest req)
    {
        ListFilters.Equal(list, q, "name", "v.name");
        ListFilters.Equal(list, q, "status", "v.status");
        ListFilters.Equal(list, q, "availability_zone", "v.availability_zone");
        ListFilters.Like(list, q, req, "volume", "name", "v.name");
        ListFilters.Like(list, q, req, "volume", "status", "v.status");
        ListFilters.Like(list, q, req, "volume", "availability_zone", "v.availability_zone");
        ListFilters.Equal(list, q, "bootable", "v.bootable", b => QueryFlags.IsTrue(b));
        ListFilters.Equal(list, q, "size", "v.size", s => int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var gb)
            ? gb : throw new InvalidRequestException($"Invalid input received: size filter must be a whole number of GiB, not '{s}'."));
        // Stored by the enum's name; a value that is no migration status matches nothing, as in Cinder.
        ListFilters.Equal(list, q, "migration_status", "v.migration_status",
            m => Enum.TryParse<MigrationStatus>(m, ignoreCase: true, out var status) && !int.TryParse(m, out _) ? status.ToString() : "none");
        ListFilters.Metadata(list, q);
        // 3.4: by the image metadata (cinderclient's --image_metadata).
        if (req.Version.AtLeast(4)) ListFilters.Metadata(list, q, "glance_metadata", "v.image_metadata");
        if (req.Version.AtLeast(60))
        {
            AddTimeFilter(list, q, "created_at");
            AddTimeFilter(list, q, "updated_at");
        }
    }

    /// <summary>
    /// 3.60: <c>created_at=gt:2020-01-01T00:00:00</c>, with gt, gte, lt, lte, eq, neq; several comma-separated, as in
    /// <c>created_at=gte:2020-01-01T00:00:00,lt:2021-01-01T00:00:00</c>, must all hold.
    /// </summary>
    private static void AddTimeFilter(ListQuery list, IQueryCollection q, string column)
    {
        var raw = q[column].ToString();
        if (raw.Length == 0) return;
        var units = raw.Split(',');
        for (var i = 0; i < units.Length; i++)
        {
            var parts = units[i].Split(':', 2);
            var op = parts.Length == 2 ? parts[0] switch
            {
                "gt" => ">", "gte" => ">=", "lt" => "<", "lte" => "<=", "eq" => "=", "neq" => "<>", _ => null,
            } : null;
            if (op is null || !DateTime.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
                throw new InvalidRequestException($"Invalid input received: {column} filter must look like gt:2020-01-01T00:00:00.");
            list.Where($"v.{column} {op} @{column}_{i}", ($"{column}_{i}", DateTime.SpecifyKind(at, DateTimeKind.Utc)));
        }
    }
}
