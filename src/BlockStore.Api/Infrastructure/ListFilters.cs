using System.Text.Json;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Infrastructure;

/// <summary>Filters that more than one list understands.</summary>
public static class ListFilters
{
    /// <summary>
    /// <c>metadata={'k': 'v'}</c>: rows whose <paramref name="column"/> (jsonb) holds every pair the <paramref name="name"/>
    /// parameter names.
    /// </summary>
    public static void Metadata(ListQuery list, IQueryCollection q, string name = "metadata", string column = "v.metadata")
    {
        if (q[name].ToString() is { Length: > 0 } raw)
            list.Where($"{column} @> @{name}::jsonb", (name, JsonSerializer.Serialize(Dictionary(raw, name))));
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

    /// <summary>
    /// From 3.34, <c>name~=abc</c> where the resource's filter takes it (<see cref="ResourceFiltersApi.TakesLike"/>): the
    /// rows whose <paramref name="column"/> contains <c>abc</c>, as Cinder's inexact filters (a plain substring here, so a
    /// <c>%</c> or <c>_</c> in the value is itself).
    /// </summary>
    public static void Like(ListQuery list, IQueryCollection q, ApiRequest req, string resource, string name, string column)
    {
        if (ResourceFiltersApi.TakesLike(resource, name, req) && q[name + "~"].ToString() is { Length: > 0 } value)
            list.Where($"strpos({column}, @l_{name}) > 0", ($"l_{name}", value));
    }

    /// <summary>
    /// A dictionary filter (<c>metadata</c>, <c>extra_specs</c>…). JSON, read as it is first: a key may hold quotes of its own, as in <c>{"'k'": "'v'"}</c>, which cinderclient's
    /// <c>--filters metadata={'k':'v'}</c> sends (it matches nothing, as in Cinder). Failing that, a Python dict's repr,
    /// <c>{'k': 'v'}</c>, which its <c>--metadata k=v</c> sends.
    /// </summary>
    public static Dictionary<string, string> Dictionary(string raw, string name)
    {
        foreach (var candidate in new[] { raw, raw.Replace('\'', '"') })
        {
            try
            {
                if (JsonSerializer.Deserialize<Dictionary<string, string>>(candidate) is { } dict) return dict;
            }
            catch (JsonException)
            {
                // Not this form; try the next.
            }
        }
        throw new InvalidRequestException($"Invalid input received: {name} filter must be a JSON object of strings.");
    }
}
