using System.Text.Json;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Infrastructure;

/// <summary>Filters that more than one list understands.</summary>
public static class ListFilters
{
    /// <summary><c>metadata={'k': 'v'}</c>: rows whose metadata contains every given pair.</summary>
    public static void Metadata(ListQuery list, IQueryCollection q)
    {
        if (q["metadata"].ToString() is { Length: > 0 } raw)
            list.Where("v.metadata @> @metadata::jsonb", ("metadata", MetadataJson(raw)));
    }

    /// <summary>
    /// Whose rows: the caller's project; or, for an admin asking for <c>all_tenants</c>, every project, narrowed to
    /// <c>project_id</c> when given (openstackclient's <c>--project</c> sends both).
    /// </summary>
    public static void Projects(ListQuery list, IQueryCollection q, ApiRequest req)
    {
        if (!QueryFlags.AllTenants(q, req)) list.Scope("v.project_id = @project", ("project", req.ProjectId));
        else Equal(list, q, "project_id", "v.project_id");
    }

    /// <summary>An exact match on one column, when the query names it.</summary>
    public static void Equal(ListQuery list, IQueryCollection q, string name, string column, Func<string, object>? convert = null)
    {
        if (q[name].ToString() is { Length: > 0 } value)
            list.Where($"{column} = @f_{name}", ($"f_{name}", convert is null ? value : convert(value)));
    }

    /// <summary>cinderclient sends a Python dict's repr; JSON is accepted too.</summary>
    private static string MetadataJson(string raw)
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
}
