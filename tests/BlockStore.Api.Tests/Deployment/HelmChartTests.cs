using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace BlockStore.Api.Tests.Deployment;

/// <summary>
/// Sanity of charts/blockstore without a helm binary: Chart.yaml and values.yaml parse, every <c>.Values</c> path a
/// template reads is defined, every included template exists, and actions and blocks are balanced. It does not
/// prove that the chart renders, nor that the rendered manifests are valid Kubernetes objects (that needs
/// <c>helm template</c> and a schema check).
/// </summary>
public sealed partial class HelmChartTests
{
    private static readonly string Chart = Path.Combine(RepoFiles.Root, "charts", "blockstore");
    private static readonly string[] Templates = Directory.GetFiles(Path.Combine(Chart, "templates"));

    [Fact]
    public void Chart_yaml_names_a_v2_chart_with_a_version()
    {
        var chart = Load("Chart.yaml");
        Scalar(chart, "apiVersion").ShouldBe("v2");
        Scalar(chart, "name").ShouldBe("blockstore");
        Scalar(chart, "version").ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Every_value_a_template_reads_is_defined_in_values_yaml()
    {
        var values = Load("values.yaml");
        var reads = Templates.SelectMany(f => ValuesPath().Matches(File.ReadAllText(f)).Select(m => (File: f, Match: m))).ToList();
        reads.Count.ShouldBeGreaterThan(10, "the templates should read their settings from .Values");
        foreach (var (file, m) in reads)
        {
            YamlNode node = values;
            foreach (var key in m.Groups[1].Value.Split('.'))
            {
                (node is YamlMappingNode map && map.Children.ContainsKey(key)).ShouldBeTrue(
                    $"{Path.GetFileName(file)} reads .Values.{m.Groups[1].Value}, which values.yaml does not define");
                node = ((YamlMappingNode)node)[key];
            }
        }
    }

    [Fact]
    public void Every_included_template_is_defined_and_blocks_are_balanced()
    {
        var all = string.Concat(Templates.Select(File.ReadAllText));
        var defined = Define().Matches(all).Select(m => m.Groups[1].Value).ToHashSet();
        foreach (Match m in Include().Matches(all))
            defined.ShouldContain(m.Groups[1].Value, $"a template includes \"{m.Groups[1].Value}\", which no define names");
        foreach (var file in Templates)
        {
            var text = File.ReadAllText(file);
            var name = Path.GetFileName(file);
            Regex.Count(text, @"\{\{").ShouldBe(Regex.Count(text, @"\}\}"), $"{name}: unbalanced {{{{ }}}}");
            var actions = Action().Matches(text).Select(a => a.Groups[1].Value).ToList();
            actions.Count(a => a is "if" or "range" or "with" or "define").ShouldBe(actions.Count(a => a == "end"), $"{name}: blocks and ends do not pair up");
        }
    }

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Chart, file))) yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode m, string key) => m.Children.TryGetValue(key, out var v) ? ((YamlScalarNode)v).Value : null;

    [GeneratedRegex(@"\.Values\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")]
    private static partial Regex ValuesPath();

    [GeneratedRegex(@"\{\{-?\s*define\s+""([^""]+)""")]
    private static partial Regex Define();

    [GeneratedRegex(@"(?:include|template)\s+""([^""]+)""")]
    private static partial Regex Include();

    [GeneratedRegex(@"\{\{-?\s*(if|range|with|define|end)\b")]
    private static partial Regex Action();
}
