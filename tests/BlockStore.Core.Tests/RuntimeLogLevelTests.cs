using BlockStore.Core.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace BlockStore.Core.Tests;

/// <summary>Log levels set while the process runs, over a configuration like the shipped appsettings.json.</summary>
public sealed class RuntimeLogLevelTests
{
    private const string Ef = "Microsoft.EntityFrameworkCore.Database.Command";
    private const string Service = "BlockStore.Worker.Volumes.VolumeService";
    private const string Scanner = "BlockStore.Worker.Volumes.ManageableScanner";

    /// <summary>Levels over the shipped rules, with loggers made for <paramref name="categories"/>.</summary>
    private static (RuntimeLogLevels Levels, ConfigurationManager Configuration) Build(params string[] categories)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
        });
        var levels = new RuntimeLogLevels(configuration);
        foreach (var category in categories) ((ILoggerProvider)levels).CreateLogger(category);
        return (levels, configuration);
    }

    [Fact]
    public void Each_category_shows_the_level_its_longest_rule_gives_it()
    {
        var (levels, _) = Build(Ef, Service);
        levels.Get(null).ShouldBe(new SortedDictionary<string, string>(StringComparer.Ordinal) { [Ef] = "WARNING", [Service] = "INFO" });
        levels.Get("BlockStore.").Keys.ShouldBe([Service]);
        levels.Get("blockstore.worker").Keys.ShouldBe([Service]); // prefixes match as .NET's rules do, in any case
    }

    [Fact]
    public void A_prefix_sets_every_category_under_it_even_those_configured_on_their_own()
    {
        var (levels, configuration) = Build(Ef, Service, Scanner);
        levels.Set("Microsoft", "debug");
        levels.Get(null).ShouldBe(new SortedDictionary<string, string>(StringComparer.Ordinal) { [Ef] = "DEBUG", [Scanner] = "INFO", [Service] = "INFO" });
        configuration["Logging:LogLevel:Microsoft.EntityFrameworkCore"].ShouldBe("Debug");

        levels.Set("BlockStore.Worker.Volumes.Manageable", "WARNING");
        levels.Get("BlockStore")[Scanner].ShouldBe("WARNING");
        levels.Get("BlockStore")[Service].ShouldBe("INFO");

        levels.Set(null, "ERROR"); // every category, the ones with rules of their own included
        levels.Get(null).Values.ShouldAllBe(l => l == "ERROR");
    }

    [Fact]
    public void A_change_reloads_the_configuration_so_that_the_logging_filters_follow()
    {
        var (levels, configuration) = Build(Service);
        var reloaded = 0;
        ((IConfiguration)configuration).GetReloadToken().RegisterChangeCallback(_ => reloaded++, null);
        levels.Set("BlockStore", "DEBUG");
        reloaded.ShouldBe(1);
    }

    [Theory]
    [InlineData("TRACE")]
    [InlineData("CRITICAL")]
    [InlineData("verbose")]
    [InlineData("")]
    public void Only_Cinders_four_levels_are_taken(string level)
    {
        RuntimeLogLevels.IsCinderLevel(level).ShouldBeFalse();
        Should.Throw<ArgumentException>(() => RuntimeLogLevels.ToDotNet(level));
    }

    [Fact]
    public void Levels_map_both_ways()
    {
        foreach (var level in RuntimeLogLevels.CinderLevels) RuntimeLogLevels.ToCinder(RuntimeLogLevels.ToDotNet(level)).ShouldBe(level);
        RuntimeLogLevels.ToCinder(LogLevel.Trace).ShouldBe("DEBUG");
        RuntimeLogLevels.ToCinder(LogLevel.Critical).ShouldBe("CRITICAL");
    }
}
