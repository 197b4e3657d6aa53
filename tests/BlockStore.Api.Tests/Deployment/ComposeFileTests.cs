using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BlockStore.Api.Tests.Deployment;

/// <summary>
/// docker-compose.yml at the repository root must build from files that exist and hand each .NET service
/// the settings it reads (the same names <c>scripts/stack env</c> exports). Parsed, not run: no Docker here.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string Root = RepoFiles.Root;
    private static readonly string ComposePath = Path.Combine(Root, "docker-compose.yml");

    [Fact]
    public void Every_service_that_builds_names_a_dockerfile_that_exists_in_its_context()
    {
        var built = Services().Where(s => s.Value.Children.ContainsKey("build")).ToList();
        built.ShouldNotBeEmpty("the compose file should build the BlockStore images");
        foreach (var (name, service) in built)
        {
            var (context, dockerfile) = Build(service["build"]);
            var path = Path.GetFullPath(Path.Combine(Root, context, dockerfile));
            File.Exists(path).ShouldBeTrue($"service '{name}' builds from {dockerfile} in context '{context}', but {path} does not exist");
            if (service["build"] is YamlMappingNode m && Scalar(m, "target") is { } target)
                File.ReadLines(path).Any(l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase) && l.EndsWith($" AS {target}", StringComparison.OrdinalIgnoreCase))
                    .ShouldBeTrue($"service '{name}' builds target '{target}', which {dockerfile} has no 'FROM … AS {target}' stage for");
        }
    }

    [Theory]
    [InlineData("migrate", new[] { "ConnectionStrings__BlockStore" })]
    [InlineData("api", new[] { "ConnectionStrings__BlockStore", "Ceph__" })]
    [InlineData("worker", new[] { "ConnectionStrings__BlockStore", "RabbitMq__Uri", "Ceph__" })]
    public void Each_dotnet_service_gets_the_settings_it_reads(string service, string[] required)
    {
        var services = Services();
        services.ShouldContainKey(service);
        var names = EnvironmentNames(services[service]);
        foreach (var name in required)
        {
            // A name ending in "__" is a section: at least one setting of it must be given.
            var present = name.EndsWith("__", StringComparison.Ordinal) ? names.Any(n => n.StartsWith(name, StringComparison.Ordinal)) : names.Contains(name);
            present.ShouldBeTrue($"service '{service}' should get {name}{(name.EndsWith("__", StringComparison.Ordinal) ? "*" : "")}; it gets: {string.Join(", ", names)}");
        }
    }

    private static Dictionary<string, YamlMappingNode> Services()
    {
        File.Exists(ComposePath).ShouldBeTrue($"{ComposePath} is missing");
        var yaml = new YamlStream();
        using (var reader = new StreamReader(ComposePath))
            yaml.Load(new MergingParser(new Parser(reader))); // resolves <<: *anchors, which compose files use for shared settings
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return ((YamlMappingNode)root["services"]).Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => (YamlMappingNode)p.Value);
    }

    /// <summary><c>build: ./dir</c>, or <c>build: {context, dockerfile}</c> with compose's defaults.</summary>
    private static (string Context, string Dockerfile) Build(YamlNode build) => build switch
    {
        YamlScalarNode s => (s.Value ?? ".", "Dockerfile"),
        YamlMappingNode m => (Scalar(m, "context") ?? ".", Scalar(m, "dockerfile") ?? "Dockerfile"),
        _ => throw new InvalidDataException("build must be a path or a mapping"),
    };

    /// <summary>Names from <c>environment:</c> as a mapping or as a list of <c>NAME=value</c>.</summary>
    private static HashSet<string> EnvironmentNames(YamlMappingNode service)
    {
        if (!service.Children.TryGetValue("environment", out var env)) return [];
        return env switch
        {
            YamlMappingNode m => m.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(),
            YamlSequenceNode l => l.Children.Select(i => ((YamlScalarNode)i).Value!.Split('=', 2)[0]).ToHashSet(),
            _ => [],
        };
    }

    private static string? Scalar(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(key, out var v) && v is YamlScalarNode s ? s.Value : null;
}
