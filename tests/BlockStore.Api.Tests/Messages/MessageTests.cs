using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Messages;

public sealed class MessageTests : ApiTest
{
    [Fact]
    public async Task Messages_do_not_exist_below_3_3()
    {
        var t = NewTenant();
        var message = await Host.MessageAsync(t.ProjectId, Guid.NewGuid());
        (await t.Member.Get("messages")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Get($"messages/{message.Id}", "3.2")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Delete($"messages/{message.Id}", "3.2")).ShouldBeFault(404, "itemNotFound");
        (await t.Member.Get($"messages/{message.Id}", "3.3")).ShouldHave(200);
    }

    [Fact]
    public async Task A_message_shows_Cinder_s_fields()
    {
        var t = NewTenant();
        var resource = Guid.NewGuid();
        var message = await Host.MessageAsync(t.ProjectId, resource);
        var m = (await t.Reader.Get($"messages/{message.Id}", "3.3")).ShouldHave(200).Json.GetProperty("message");
        m.Keys().ShouldBe([
            "id", "event_id", "user_message", "message_level", "created_at", "guaranteed_until", "request_id", "links", "resource_type", "resource_uuid",
        ]);
        m.GetProperty("event_id").GetString().ShouldBe("VOLUME_000001");
        m.GetProperty("message_level").GetString().ShouldBe("ERROR");
        m.GetProperty("resource_type").GetString().ShouldBe("VOLUME");
        m.GetProperty("resource_uuid").GetString().ShouldBe(resource.ToString());
        m.GetProperty("created_at").GetString()!.ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$");
        m.GetProperty("links")[0].GetProperty("href").GetString()!.ShouldEndWith($"/v3/{t.ProjectId}/messages/{message.Id}");

        var list = (await t.Member.Get("messages", "3.3")).ShouldHave(200).Json.GetProperty("messages");
        list.GetArrayLength().ShouldBe(1);
        list[0].GetProperty("id").GetString().ShouldBe(message.Id.ToString());
    }

    [Fact]
    public async Task Deleting_a_message_answers_204_and_it_is_gone()
    {
        var t = NewTenant();
        var message = await Host.MessageAsync(t.ProjectId, Guid.NewGuid());
        (await t.Reader.Delete($"messages/{message.Id}", "3.3")).ShouldBeFault(403, "forbidden");
        var deleted = (await t.Member.Delete($"messages/{message.Id}", "3.3")).ShouldHave(204);
        deleted.Body.ShouldBeEmpty();
        (await t.Member.Get($"messages/{message.Id}", "3.3")).ShouldBeFault(404, "itemNotFound").ShouldBe($"Message {message.Id} could not be found.");
        (await t.Member.Get("messages/nope", "3.3")).ShouldBeFault(404, "itemNotFound").ShouldBe("Message nope could not be found.");
    }

    [Fact]
    public async Task Messages_page_and_filter_from_3_5()
    {
        var t = NewTenant();
        var first = await Host.MessageAsync(t.ProjectId, Guid.NewGuid());
        var second = await Host.MessageAsync(t.ProjectId, Guid.NewGuid());
        var page = (await t.Member.Get("messages?limit=1", "3.5")).ShouldHave(200).Json;
        page.GetProperty("messages")[0].GetProperty("id").GetString().ShouldBe(second.Id.ToString());
        var next = page.GetProperty("messages_links")[0].GetProperty("href").GetString()!;
        (await t.Member.Get(new Uri(next).PathAndQuery, "3.5")).Json.GetProperty("messages")[0].GetProperty("id").GetString().ShouldBe(first.Id.ToString());
        (await t.Member.Get($"messages?resource_uuid={first.ResourceUuid}", "3.5")).Json.GetProperty("messages").GetArrayLength().ShouldBe(1);
        (await t.Member.Get("messages?limit=1", "3.3")).Json.GetProperty("messages").GetArrayLength().ShouldBe(2);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("created_at")]
    [InlineData("resource_type")]
    [InlineData("event_id")]
    [InlineData("resource_uuid")]
    [InlineData("message_level")]
    [InlineData("guaranteed_until")]
    [InlineData("request_id")]
    public async Task Messages_page_by_every_sort_key_cinderclient_offers(string key)
    {
        var t = NewTenant();
        var first = await Host.MessageAsync(t.ProjectId, Guid.NewGuid());
        var second = await Host.MessageAsync(t.ProjectId, Guid.NewGuid());

        var seen = new List<string>();
        string? next = $"messages?limit=1&sort={key}:asc";
        for (var pages = 0; next is not null; pages++)
        {
            pages.ShouldBeLessThan(4, "paging must end");
            var page = (await t.Member.Get(next, "3.5")).ShouldHave(200).Json;
            seen.AddRange(page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
            next = page.TryGetProperty("messages_links", out var links) ? new Uri(links[0].GetProperty("href").GetString()!).PathAndQuery : null;
        }

        seen.Order().ShouldBe(new[] { first.Id.ToString(), second.Id.ToString() }.Order());
    }

    [Fact]
    public async Task Another_project_s_messages_are_not_found()
    {
        var owner = NewTenant();
        var stranger = NewTenant();
        var message = await Host.MessageAsync(owner.ProjectId, Guid.NewGuid());
        (await stranger.Member.Get($"messages/{message.Id}", "3.3")).ShouldBeFault(404, "itemNotFound");
        (await stranger.Member.Delete($"messages/{message.Id}", "3.3")).ShouldBeFault(404, "itemNotFound");
        (await stranger.Member.Get("messages", "3.3")).Json.GetProperty("messages").GetArrayLength().ShouldBe(0);
        (await owner.Member.Get($"messages/{message.Id}", "3.3")).ShouldHave(200);
    }
}
