using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Admission control for the list endpoints, whose work is the API's own CPU (reading a page of rows and writing it
/// out). At most <see cref="ListAdmissionOptions.Concurrency"/> lists run at once; the rest wait their turn, oldest
/// first, without holding a thread. On a small host this keeps a burst of lists from being scheduled all at once and
/// finishing in random order: the tail shortens for a slightly higher median (docs/benchmarks.md, lifecycle run 13).
/// A request that would wait behind more than <see cref="ListAdmissionOptions.QueueLimit"/> others is refused with
/// Cinder's rate-limit fault, 413 <c>overLimit</c>. Writes and single reads are not limited: they mostly wait on
/// PostgreSQL, and limiting them would only serialise those waits.
/// </summary>
public static class ListAdmission
{
    public const string Policy = "lists";

    public static IServiceCollection AddListAdmission(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ListAdmissionOptions>().Bind(configuration.GetSection("Api:Lists"))
            .Validate(o => o.Concurrency >= 0 && o.QueueLimit >= 0, "Api:Lists:Concurrency and Api:Lists:QueueLimit must not be negative.")
            .ValidateOnStart();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ListAdmissionOptions>>((o, lists) =>
        {
            o.AddConcurrencyLimiter(Policy, l =>
            {
                l.PermitLimit = lists.Value.EffectiveConcurrency;
                l.QueueLimit = lists.Value.QueueLimit;
                l.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            o.OnRejected = (context, _) =>
                new ValueTask(CinderFault.WriteAsync(context.HttpContext, 413, "This request was rate-limited."));
        });
        return services.AddRateLimiter(_ => { });
    }

    /// <summary>Puts an endpoint under the list admission limit.</summary>
    public static TBuilder AdmittedAsList<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(Policy);
}

/// <summary>Configuration section <c>Api:Lists</c>.</summary>
public sealed class ListAdmissionOptions
{
    /// <summary>Lists served at once; 0 (the default) means two per processor.</summary>
    public int Concurrency { get; set; }

    /// <summary>Lists that may wait for a turn; past that, 413.</summary>
    public int QueueLimit { get; set; } = 1000;

    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : 2 * Environment.ProcessorCount;
}
