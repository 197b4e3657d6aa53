using System.Globalization;
using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Quotas;
using FluentValidation;

namespace BlockStore.Api.Quotas;

/// <summary><c>{"quota_set": {"volumes": 20, "gigabytes": "500", …}}</c>: limits as integers or integer strings.</summary>
public sealed class QuotaSetBody : OpenBody
{
    /// <summary>Members Cinder accepts and ignores.</summary>
    private static readonly string[] NonQuotaKeys = ["tenant_id", "id"];

    public Dictionary<string, JsonElement>? QuotaSet { get; set; }

    /// <summary>Keys that name no resource. Per-type keys (<c>volumes_&lt;type&gt;</c> …) pass here; their types are checked against the database.</summary>
    public IEnumerable<string> BadKeys => (QuotaSet ?? []).Keys.Where(k => !IsResource(k) && !NonQuotaKeys.Contains(k));

    /// <summary>The limits to set; a value that is not an integer comes back as null.</summary>
    public IEnumerable<(string Resource, long? Limit)> Limits =>
        (QuotaSet ?? []).Where(p => IsResource(p.Key)).Select(p => (p.Key, Integer(p.Value)));

    private static bool IsResource(string key) => QuotaResources.All.Contains(key) || QuotaResources.TypeOf(key) is not null;

    private static long? Integer(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetInt64(out var n) => n,
        JsonValueKind.String when long.TryParse(e.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };
}

/// <summary>Cinder's quota_set format check: known keys, and integers from -1 (unlimited) to the largest int.</summary>
public sealed class QuotaSetBodyValidator : AbstractValidator<QuotaSetBody>
{
    public QuotaSetBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.QuotaSet).Must(q => q is { Count: > 0 })
            .WithMessage("Invalid input for field/attribute quota_set. It must be an object with at least one member.");
        RuleFor(b => b.BadKeys).Must(k => !k.Any())
            .WithMessage((_, keys) => $"Invalid input received: Bad key(s) in quota set: {string.Join(", ", keys)}");
        RuleForEach(b => b.Limits).Custom((limit, ctx) =>
        {
            if (limit.Limit is not { } n) ctx.AddFailure($"{limit.Resource} must be an integer");
            else if (n < -1) ctx.AddFailure($"{limit.Resource} must be >= -1");
            else if (n > int.MaxValue) ctx.AddFailure($"{limit.Resource} must be <= {int.MaxValue}");
        });
    }
}
