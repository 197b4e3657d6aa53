namespace BlockStore.Core.Services;

/// <summary><c>Services</c>: how often workers report their volume services, and when a silent one counts as down.</summary>
public sealed class ServiceOptions
{
    /// <summary>How often a worker probes its backends and stamps their rows (10 s, as Cinder's <c>report_interval</c>).</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a row may go unstamped before it shows as down (60 s, as Cinder's <c>service_down_time</c>).</summary>
    public TimeSpan DownAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>What <see cref="IsValid"/> requires, for the error that stops a process started with anything else.</summary>
    public const string ValidRanges = "Services: ReportInterval must be positive, and DownAfter longer than ReportInterval.";

    /// <summary>Whether the settings can work: a row is stamped at least once before it counts as down.</summary>
    public static bool IsValid(ServiceOptions o) => o.ReportInterval > TimeSpan.Zero && o.DownAfter > o.ReportInterval;
}
