using System.Text.Json;

namespace BlockStore.Worker.Tests;

/// <summary>What the admin-side tests read through the API: user messages, quota usage, the manageable lists.</summary>
public static class AdminFlows
{
    /// <summary>The host (<c>host@ceph</c>) of the worker's volume service for the <c>ceph</c> backend.</summary>
    public static async Task<string> CephHostAsync(HttpClient admin) =>
        JsonDocument.Parse(await admin.GetStringAsync("os-services?binary=cinder-volume")).RootElement.GetProperty("services").EnumerateArray()
            .Select(s => s.GetProperty("host").GetString()!).Single(h => h.EndsWith("@ceph", StringComparison.Ordinal));

    /// <summary>The user messages about one volume or snapshot.</summary>
    public static async Task<List<string>> MessagesAsync(HttpClient admin, Guid resource)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"messages?resource_uuid={resource}");
        request.Headers.Add("OpenStack-API-Version", "volume 3.5");
        return JsonDocument.Parse(await (await admin.SendAsync(request)).Content.ReadAsStringAsync()).RootElement.GetProperty("messages")
            .EnumerateArray().Select(m => m.GetProperty("user_message").GetString()!).ToList();
    }

    /// <summary>The project's <c>in_use</c> of one quota resource.</summary>
    public static async Task<int> UsageAsync(HttpClient admin, string project, string resource) =>
        JsonDocument.Parse(await admin.GetStringAsync($"os-quota-sets/{project}?usage=true")).RootElement
            .GetProperty("quota_set").GetProperty(resource).GetProperty("in_use").GetInt32();

    /// <summary>
    /// Every entry of a manageable list (<paramref name="path"/>, e.g. <c>os-volume-manage/detail</c>, under
    /// <paramref name="key"/>) of <paramref name="host"/>, by reference ascending. The lists hold every volume or snapshot
    /// of the backend too, more than a page in a full test run: they are read page by page, by marker.
    /// </summary>
    public static async Task<List<JsonElement>> ManageableAsync(HttpClient admin, string path, string key, string host)
    {
        const int limit = 500;
        var all = new List<JsonElement>();
        string? marker = null;
        while (true)
        {
            var url = $"{path}?host={host}&sort=reference:asc&limit={limit}"
                + (marker is null ? "" : $"&marker={Uri.EscapeDataString(JsonSerializer.Serialize(new Dictionary<string, string> { ["source-name"] = marker }))}");
            var page = JsonDocument.Parse(await admin.GetStringAsync(url)).RootElement.GetProperty(key).EnumerateArray().Select(e => e.Clone()).ToList();
            all.AddRange(page);
            if (page.Count < limit) return all;
            marker = page[^1].GetProperty("reference").GetProperty("source-name").GetString();
        }
    }
}
