using System.Text.Json.Nodes;
using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Volumes;

/// <summary>
/// A list page is read straight off the page query (VolumeRow.Reader), a single volume from its entity: every row of a
/// page must show what the volume's own body shows, whether its values repeat from the row before, change in bytes but
/// not in length, run long or leave ASCII.
/// </summary>
public sealed class ListRowTests : ApiTest
{
    [Fact]
    public async Task Each_row_of_a_page_shows_its_own_text_as_the_volume_itself_does()
    {
        var t = NewTenant();
        // Listed newest first: each value against the row before it in the page.
        var metadata = new Dictionary<string, string>[]
        {
            [],
            [],
            new() { ["k"] = "é ü 漢字 🙂" },
            new() { ["k"] = "é ü 漢字 🙃" }, // as long as the next row's, in other bytes
            new() { ["a"] = new string('x', 250), ["b"] = new string('y', 250), ["c"] = new string('z', 250) }, // past the first buffer
            new() { ["a"] = new string('x', 250), ["b"] = new string('y', 250), ["c"] = new string('w', 250) },
            [],
        };
        var ids = new List<string>();
        foreach (var m in metadata)
            ids.Add((await t.Member.Post("volumes", new { volume = new { size = 1, metadata = m } })).ShouldHave(202).Json
                .GetProperty("volume").GetProperty("id").GetString()!);

        var listed = (await t.Member.Get("volumes/detail?limit=100")).ShouldHave(200).Json.GetProperty("volumes").EnumerateArray()
            .ToDictionary(v => v.GetProperty("id").GetString()!, v => v.GetRawText());
        listed.Keys.Order().ShouldBe(ids.Order());
        foreach (var id in ids)
        {
            var shown = (await t.Member.Get($"volumes/{id}")).ShouldHave(200).Json.GetProperty("volume").GetRawText();
            // The list writes the stored jsonb as PostgreSQL prints it, so compare values, not spacing.
            JsonNode.DeepEquals(JsonNode.Parse(listed[id]), JsonNode.Parse(shown)).ShouldBeTrue($"{listed[id]}\n{shown}");
        }
    }
}
