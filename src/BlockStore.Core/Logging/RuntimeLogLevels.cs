using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlockStore.Core.Logging;

/// <summary>
/// The process's log levels, changed while it runs (Cinder's <c>os-services/set-log</c> and <c>get-log</c>, 3.32).
/// A level set for a prefix applies to every logger category that starts with it (case-insensitively, as .NET's
/// <c>Logging:LogLevel</c> rules match), including those the configuration gives a level of their own, as Cinder's
/// <c>set_log_levels</c> sets every matching logger; an empty prefix sets them all. The levels live in a configuration
/// source added last, so they win over the files and the environment, and last until the process ends.
/// </summary>
public sealed class RuntimeLogLevels : ILoggerProvider
{
    private const string Section = "Logging:LogLevel";
    private const string Default = "Default";

    /// <summary>Cinder's level names (<c>LOG_LEVELS</c>), the only ones <c>set-log</c> takes, and .NET's levels for them.</summary>
    private static readonly Dictionary<string, LogLevel> FromCinder = new(StringComparer.OrdinalIgnoreCase)
    {
        ["INFO"] = LogLevel.Information, ["WARNING"] = LogLevel.Warning, ["ERROR"] = LogLevel.Error, ["DEBUG"] = LogLevel.Debug,
    };

    /// <summary>Cinder's level names, the only ones <c>set-log</c> takes.</summary>
    public static IEnumerable<string> CinderLevels => FromCinder.Keys;

    private readonly Overrides _overrides = new();
    private readonly ConcurrentDictionary<string, byte> _categories = new(StringComparer.Ordinal);
    private readonly IConfiguration _configuration;

    /// <summary>Levels over <paramref name="configuration"/>, to which their source is added, last.</summary>
    public RuntimeLogLevels(IConfigurationManager configuration)
    {
        _configuration = configuration;
        configuration.Sources.Add(_overrides);
    }

    /// <summary>Adds the levels to <paramref name="builder"/>: its configuration's last source, and a logger provider that
    /// notes every category the process creates a logger for, so that <see cref="Get"/> can list them.</summary>
    public static RuntimeLogLevels AddTo(IHostApplicationBuilder builder)
    {
        var levels = new RuntimeLogLevels(builder.Configuration);
        builder.Services.AddSingleton(levels);
        builder.Services.AddSingleton<ILoggerProvider>(levels);
        return levels;
    }

    /// <summary>Whether <paramref name="level"/> is one of <see cref="CinderLevels"/>, in any case.</summary>
    public static bool IsCinderLevel(string? level) => level is not null && FromCinder.ContainsKey(level);

    /// <summary>
    /// Sets <paramref name="level"/> (one of <see cref="CinderLevels"/>) for the categories that start with
    /// <paramref name="prefix"/>; null or empty is every category.
    /// </summary>
    public void Set(string? prefix, string level)
    {
        var value = ToDotNet(level).ToString();
        prefix ??= "";
        var changes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { [prefix.Length == 0 ? Default : prefix] = value };
        foreach (var key in Rules().Keys)
        {
            if (IsDefault(key) ? prefix.Length == 0 : key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) changes[key] = value;
        }
        _overrides.Set(changes);
    }

    /// <summary>Each category the process has a logger for that starts with <paramref name="prefix"/>, with its level now
    /// (as Cinder's <c>get_log_levels</c> gives its loggers': <c>DEBUG</c>, <c>INFO</c>, <c>WARNING</c>, <c>ERROR</c>, <c>CRITICAL</c>
    /// or <c>NONE</c>), sorted by name.</summary>
    public SortedDictionary<string, string> Get(string? prefix)
    {
        prefix ??= "";
        var rules = Rules();
        var levels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var category in _categories.Keys)
        {
            if (category.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) levels[category] = ToCinder(LevelOf(category, rules));
        }
        return levels;
    }

    /// <summary>The level .NET's filter gives <paramref name="category"/> from <c>Logging:LogLevel</c>: the longest rule
    /// that is a prefix of it, else <c>Default</c>, else Information.</summary>
    private static LogLevel LevelOf(string category, IReadOnlyDictionary<string, LogLevel> rules)
    {
        string? best = null;
        foreach (var key in rules.Keys)
        {
            if (!IsDefault(key) && category.StartsWith(key, StringComparison.OrdinalIgnoreCase) && (best is null || key.Length > best.Length)) best = key;
        }
        return best is not null ? rules[best] : rules.GetValueOrDefault(Default, LogLevel.Information);
    }

    private static bool IsDefault(string key) => key.Equals(Default, StringComparison.OrdinalIgnoreCase);

    public static LogLevel ToDotNet(string cinderLevel) => FromCinder.TryGetValue(cinderLevel, out var level)
        ? level
        : throw new ArgumentException($"{cinderLevel} is not a valid log level.", nameof(cinderLevel));

    public static string ToCinder(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "NONE",
    };

    private Dictionary<string, LogLevel> Rules()
    {
        var rules = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase);
        foreach (var rule in _configuration.GetSection(Section).GetChildren())
        {
            if (Enum.TryParse<LogLevel>(rule.Value, ignoreCase: true, out var level)) rules[rule.Key] = level;
        }
        return rules;
    }

    ILogger ILoggerProvider.CreateLogger(string categoryName)
    {
        _categories.TryAdd(categoryName, 0);
        return NullLogger.Instance;
    }

    void IDisposable.Dispose() { }

    /// <summary>
    /// The levels set, as <c>Logging:LogLevel:*</c> keys; a change reloads the logging filters. Readers on other threads
    /// see the old dictionary or the new one, never one being changed.
    /// </summary>
    private sealed class Overrides : ConfigurationProvider, IConfigurationSource
    {
        private readonly Lock _writing = new();

        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

        public void Set(IReadOnlyDictionary<string, string?> levels)
        {
            lock (_writing)
            {
                var data = new Dictionary<string, string?>(Data, StringComparer.OrdinalIgnoreCase);
                foreach (var (key, value) in levels) data[$"{Section}:{key}"] = value;
                Data = data;
            }
            OnReload();
        }
    }
}
