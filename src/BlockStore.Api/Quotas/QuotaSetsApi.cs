using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Data;
using BlockStore.Core.Errors;
using BlockStore.Core.Quotas;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Quotas;

/// <summary>
/// <c>…/os-quota-sets/{project}</c> and <c>…/limits</c>. Anyone reads their own project's quotas; reading
/// another project's is an admin's right (403 otherwise, as Cinder's policy answers), and so is changing them.
/// </summary>
public static class QuotaSetsApi
{
    public static void MapQuotasApi(this RouteGroupBuilder v3)
    {
        var sets = v3.MapGroup("/os-quota-sets").WithTags("Quotas");
        sets.MapGet("/{project}", Show);
        sets.MapGet("/{project}/defaults", Defaults);
        sets.MapPut("/{project}", Update);
        sets.MapDelete("/{project}", Delete);
        var classes = v3.MapGroup("/os-quota-class-sets").WithTags("Quotas");
        classes.MapGet("/{name}", ShowClass);
        classes.MapPut("/{name}", UpdateClass);
        v3.MapGet("/limits", Limits).WithTags("Quotas");
    }

    /// <summary>
    /// <c>cinder quota-class-show default</c>, for admins: the defaults every project starts from. Cinder answers any class
    /// name with the defaults where it has no limits of its own, and BlockStore has none.
    /// </summary>
    public static async Task<IResult> ShowClass(string name, ApiRequest req, QuotaService quotas, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:quota_classes");
        var report = await quotas.DefaultsAsync(ct);
        return QuotaSet(name, report, (w, r) => w.WriteNumber(r, report.Resources[r].Limit), "quota_class_set");
    }

    /// <summary>The defaults come from configuration, so changing them through the API is refused, and says where they are.</summary>
    public static IResult UpdateClass(string name, ApiRequest req)
    {
        req.Caller.RequireAdmin("volume_extension:quota_classes");
        throw new InvalidRequestException(
            "Invalid input received: default quotas come from BlockStore's configuration (Quotas:*), not from quota classes; set a project's own limits with os-quota-sets.");
    }

    /// <summary>Plain limits, or with <c>usage=True</c> each as <c>{"limit", "in_use", "reserved"}</c> (sample 25).</summary>
    public static async Task<IResult> Show(string project, HttpRequest http, ApiRequest req, QuotaService quotas, CancellationToken ct)
    {
        RequireReadable(req, project);
        var usage = http.Query["usage"].ToString() is { Length: > 0 } u
            && (CinderBoolConverter.Parse(u) ?? throw new InvalidRequestException($"Invalid value '{u}' for usage: it must be a boolean."));
        var report = await quotas.ReportAsync(project, withTypes: true, ct);
        return QuotaSet(project, report, (w, r) =>
        {
            var (limit, inUse, reserved) = report.Resources[r];
            if (!usage)
            {
                w.WriteNumber(r, limit);
                return;
            }
            w.WriteStartObject(r);
            w.WriteNumber("limit", limit);
            w.WriteNumber("in_use", inUse);
            w.WriteNumber("reserved", reserved);
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> Defaults(string project, ApiRequest req, IOptions<QuotaOptions> defaults, QuotaService quotas,
        CancellationToken ct)
    {
        RequireReadable(req, project);
        var report = await quotas.ReportAsync(project, withTypes: true, ct);
        return QuotaSet(project, report, (w, r) => w.WriteNumber(r, defaults.Value.DefaultFor(r)));
    }

    /// <summary>
    /// Sets the given limits, project-wide or per volume type (<c>volumes_&lt;type&gt;</c> … of any existing type). A
    /// limit below what the project already uses and reserves is refused, as Cinder does (per_volume_gigabytes and -1
    /// excepted); nothing is set unless every limit is acceptable.
    /// </summary>
    public static async Task<IResult> Update(string project, QuotaSetBody body, ApiRequest req, BlockStoreDbContext db, QuotaService quotas,
        CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:quotas:update");
        if (project.Length > 255) throw new InvalidRequestException("Invalid input received: quota_set_name must be at most 255 characters.");
        var limits = body.Limits.ToDictionary(l => l.Resource, l => (int)l.Limit!.Value);
        var typeNames = limits.Keys.Select(QuotaResources.TypeOf).OfType<(string Resource, string TypeName)>().Select(t => t.TypeName).Distinct().ToList();
        var known = await db.VolumeTypes.Where(t => typeNames.Contains(t.Name)).Select(t => t.Name).ToListAsync(ct);
        if (limits.Keys.Where(k => QuotaResources.TypeOf(k) is { } t && !known.Contains(t.TypeName)).ToList() is { Count: > 0 } unknown)
            throw new InvalidRequestException($"Invalid input received: Bad key(s) in quota set: {string.Join(", ", unknown)}");

        var report = await quotas.ReportAsync(project, withTypes: typeNames.Count > 0, ct);
        foreach (var (resource, limit) in limits)
        {
            var used = report.Resources.TryGetValue(resource, out var use) ? use.InUse + use.Reserved : 0;
            if (resource != QuotaResources.PerVolumeGigabytes && limit != -1 && limit < used)
                throw new InvalidRequestException(
                    $"Quota {resource} limit must be equal or greater than existing resources. Current usage is {used} and the requested limit is {limit}.");
        }
        var own = await db.QuotaLimits.Where(l => l.ProjectId == project).ToDictionaryAsync(l => l.Resource, ct);
        foreach (var (resource, limit) in limits)
        {
            if (own.TryGetValue(resource, out var row)) row.HardLimit = limit;
            else db.QuotaLimits.Add(new QuotaLimit { ProjectId = project, Resource = resource, HardLimit = limit });
        }
        await db.SaveChangesAsync(ct);
        var after = await quotas.ReportAsync(project, withTypes: true, ct);
        return QuotaSet(null, after, (w, r) => w.WriteNumber(r, after.Resources[r].Limit));
    }

    /// <summary>Back to the defaults: the project's own limits are forgotten.</summary>
    public static async Task<IResult> Delete(string project, ApiRequest req, BlockStoreDbContext db, CancellationToken ct)
    {
        req.Caller.RequireAdmin("volume_extension:quotas:delete");
        await db.QuotaLimits.Where(l => l.ProjectId == project).ExecuteDeleteAsync(ct);
        return Results.Ok();
    }

    /// <summary>The caller's absolute limits and usage; from 3.39 an admin may name another project.</summary>
    public static async Task<IResult> Limits(HttpRequest http, ApiRequest req, QuotaService quotas, CancellationToken ct)
    {
        var named = http.Query["project_id"].ToString() is { Length: > 0 } p ? p : http.Query["tenant_id"].ToString();
        var project = req.Caller.IsAdmin && req.Version.AtLeast(39) && named.Length > 0 ? named : req.ProjectId;
        var r = (await quotas.ReportAsync(project, withTypes: false, ct)).Resources;
        return JsonBody.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("limits");
            w.WriteStartArray("rate");
            w.WriteEndArray();
            w.WriteStartObject("absolute");
            w.WriteNumber("maxTotalVolumes", r[QuotaResources.Volumes].Limit);
            w.WriteNumber("maxTotalSnapshots", r[QuotaResources.Snapshots].Limit);
            w.WriteNumber("maxTotalVolumeGigabytes", r[QuotaResources.Gigabytes].Limit);
            w.WriteNumber("maxTotalBackups", r[QuotaResources.Backups].Limit);
            w.WriteNumber("maxTotalBackupGigabytes", r[QuotaResources.BackupGigabytes].Limit);
            w.WriteNumber("totalVolumesUsed", r[QuotaResources.Volumes].InUse);
            w.WriteNumber("totalGigabytesUsed", r[QuotaResources.Gigabytes].InUse);
            w.WriteNumber("totalSnapshotsUsed", r[QuotaResources.Snapshots].InUse);
            w.WriteNumber("totalBackupsUsed", r[QuotaResources.Backups].InUse);
            w.WriteNumber("totalBackupGigabytesUsed", r[QuotaResources.BackupGigabytes].InUse);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static void RequireReadable(ApiRequest req, string project)
    {
        if (!req.Caller.IsAdmin && project != req.ProjectId) throw new PolicyNotAuthorizedException("volume_extension:quotas:show");
    }

    /// <summary><c>{"quota_set": {resource: value, …, "id": project}}</c>, in Cinder's order, with the per-type resources of the report's types.</summary>
    private static JsonBody QuotaSet(string? project, QuotaReport report, Action<Utf8JsonWriter, string> writeResource,
        string wrapper = "quota_set") => JsonBody.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject(wrapper);
        foreach (var resource in report.Order) writeResource(w, resource);
        if (project is not null) w.WriteString("id", project);
        w.WriteEndObject();
        w.WriteEndObject();
    });
}
