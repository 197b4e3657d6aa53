using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace BlockStore.Api.Infrastructure;

/// <summary>
/// Admission control: requests of one kind run at most <see cref="AdmissionOptions.Concurrency"/> at once, and the rest
/// wait their turn, oldest first, without holding a thread. On a small host this keeps a burst from being scheduled all
/// at once and finishing in random order: the tail shortens for a slightly higher median (docs/benchmarks.md, lifecycle
/// runs 13 and 21). A request that would wait behind more than <see cref="AdmissionOptions.QueueLimit"/> others is
/// refused with Cinder's rate-limit fault, 413 <c>overLimit</c>. Two kinds take turns:
/// <list type="bullet">
/// <item><see cref="Lists"/> (<c>Api:Lists</c>, two per processor): the list endpoints, whose work is the API's own CPU.</item>
/// <item><see cref="Creates"/> (<c>Api:Creates</c>, four per processor): volume and snapshot creates, each a transaction
/// that charges its project's quota under that usage row's lock, so that fewer of them wait on the lock and on the CPU at
/// once.</item>
/// </list>
/// Other writes and single reads are not limited.
/// </summary>
public static class Admission
{
    public const string Lists = "lists";
    public const string Creates = "creates";

    /// <summary>Each kind's policy, configuration section, and default permits per processor (0: no limit).</summary>
    private static readonly (string Policy, string Section, int PerProcessor)[] Kinds = [(Lists, "Api:Lists", 2), (Creates, "Api:Creates", 4)];

    public static IServiceCollection AddAdmission(this IServiceCollection services, IConfiguration configuration)
    {
        foreach (var (policy, section, perProcessor) in Kinds)
            services.AddOptions<AdmissionOptions>(policy).Bind(configuration.GetSection(section))
                .PostConfigure(o => o.PerProcessor = perProcessor)
                .Validate(o => o.Concurrency >= -1 && o.QueueLimit >= 0, $"{section}:Concurrency must be -1 or more and {section}:QueueLimit not negative.")
                .ValidateOnStart();
        services.AddOptions<RateLimiterOptions>().Configure<IOptionsMonitor<AdmissionOptions>>((o, kinds) =>
        {
            foreach (var (policy, _, _) in Kinds)
            {
                var kind = kinds.Get(policy);
                if (kind.EffectiveConcurrency is not { } permits)
                {
                    o.AddPolicy(policy, _ => RateLimitPartition.GetNoLimiter(policy));
                    continue;
                }
                o.AddConcurrencyLimiter(policy, l =>
                {
                    l.PermitLimit = permits;
                    l.QueueLimit = kind.QueueLimit;
                    l.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
                });
            }
            o.OnRejected = (context, _) =>
                new ValueTask(CinderFault.WriteAsync(context.HttpContext, 413, "This request was rate-limited."));
        });
        return services.AddRateLimiter(_ => { });
    }

    /// <summary>Puts an endpoint under one kind's admission limit (<see cref="Lists"/> or <see cref="Creates"/>).</summary>
    public static TBuilder Admitted<TBuilder>(this TBuilder builder, string kind) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(kind);
}

/// <summary>Configuration sections <c>Api:Lists</c> and <c>Api:Creates</c>.</summary>
public sealed class AdmissionOptions
{
    /// <summary>Requests served at once; 0 (the default) means the kind's default per processor, -1 no limit.</summary>
    public int Concurrency { get; set; }

    /// <summary>Requests that may wait for a turn; past that, 413.</summary>
    public int QueueLimit { get; set; } = 1000;

    /// <summary>The kind's default permits per processor; 0 when it has no limit by default.</summary>
    public int PerProcessor { get; internal set; }

    /// <summary>The permits, or null for no limit.</summary>
    public int? EffectiveConcurrency => Concurrency switch
    {
        > 0 => Concurrency,
        0 when PerProcessor > 0 => PerProcessor * Environment.ProcessorCount,
        _ => null,
    };
}
