using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace BlockStore.Worker.Tests;

/// <summary>Short ways through the image API and the cluster for the image tests.</summary>
public static class ImageFlows
{
    public const long Gib = 1L << 30;

    public static async Task<Guid> CreateImageAsync(HttpClient client, string diskFormat, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["name"] = $"img-{Guid.NewGuid():N}"[..12], ["disk_format"] = diskFormat, ["container_format"] = "bare" };
        if (extra is not null)
            foreach (var p in JsonSerializer.SerializeToElement(extra).EnumerateObject()) body[p.Name] = p.Value;
        var response = await client.PostAsJsonAsync("/v2/images", body);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(201, text);
        var json = JsonDocument.Parse(text).RootElement;
        json.GetProperty("status").GetString().ShouldBe("queued");
        return json.GetProperty("id").GetGuid();
    }

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, Guid image, byte[] data)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await client.PutAsync($"/v2/images/{image}/file", content);
    }

    public static async Task<JsonElement> ShowImageAsync(HttpClient client, Guid image) =>
        JsonDocument.Parse(await client.GetStringAsync($"/v2/images/{image}")).RootElement;

    public static async Task<Guid> CreateVolumeFromImageAsync(HttpClient client, Guid image, int size = 1, string key = "imageRef")
    {
        var response = await client.PostAsJsonAsync("volumes", new { volume = new Dictionary<string, object> { ["size"] = size, [key] = image.ToString() } });
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(202, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("volume").GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> WaitVolumeAsync(HttpClient client, Guid volume, string status, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var v = JsonDocument.Parse(await client.GetStringAsync($"volumes/{volume}")).RootElement.GetProperty("volume");
            if (v.GetProperty("status").GetString() == status) return v;
            if (DateTime.UtcNow > until) throw new TimeoutException($"volume {volume} is {v.GetProperty("status")}, not {status}");
            await Task.Delay(300);
        }
    }

    public static async Task<JsonElement> WaitImageAsync(HttpClient client, Guid image, string status, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var i = await ShowImageAsync(client, image);
            if (i.GetProperty("status").GetString() == status) return i;
            if (DateTime.UtcNow > until) throw new TimeoutException($"image {image} is {i.GetProperty("status")}, not {status}");
            await Task.Delay(300);
        }
    }

    /// <summary><c>rbd info</c> as JSON.</summary>
    public static async Task<JsonElement> RbdInfoAsync(string spec)
    {
        var (code, output) = await StackEnvironment.RunAsync("rbd", $"info --format json {spec}");
        code.ShouldBe(0, output);
        return JsonDocument.Parse(output).RootElement;
    }

    /// <summary>SHA-256 of a whole RBD image, read through the cluster with <c>rbd export</c>.</summary>
    /// <summary>Deletes the volumes through the API and waits until none of them is listed.</summary>
    public static async Task DeleteVolumesAsync(HttpClient client, params Guid[] volumes)
    {
        foreach (var v in volumes) (await client.DeleteAsync($"volumes/{v}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => JsonDocument.Parse(await client.GetStringAsync("volumes")).RootElement.GetProperty("volumes")
            .EnumerateArray().All(v => !volumes.Contains(v.GetProperty("id").GetGuid())), "the volumes are deleted");
    }

    /// <summary>Polls <paramref name="condition"/> every 0.5 s until it holds; fails after <paramref name="seconds"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(500);
        }
    }

    /// <summary>The volume's RBD image is a clone of the image's protected snapshot.</summary>
    public static async Task ShouldBeCloneOfAsync(Guid volume, Guid image)
    {
        var parent = (await RbdInfoAsync($"volumes/volume-{volume}")).GetProperty("parent");
        parent.GetProperty("pool").GetString().ShouldBe("images");
        parent.GetProperty("image").GetString().ShouldBe(image.ToString());
        parent.GetProperty("snapshot").GetString().ShouldBe("snap");
    }

    public static async Task<string> RbdSha256Async(string spec)
    {
        var (code, output) = await StackEnvironment.RunAsync("bash", $"-o pipefail -c \"rbd export --no-progress {spec} - | sha256sum\"");
        code.ShouldBe(0, output);
        return output.Split(' ')[0];
    }

    /// <summary>SHA-256 of <paramref name="data"/> followed by zeroes up to <paramref name="length"/>: what a volume from it reads.</summary>
    public static string Sha256Padded(byte[] data, long length)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(data);
        var zeros = new byte[1 << 20];
        for (long left = length - data.Length; left > 0; left -= zeros.Length) sha.AppendData(zeros, 0, (int)Math.Min(left, zeros.Length));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Runs a shell command (qemu-img, truncate) and fails the test if it fails.</summary>
    public static async Task<string> ShAsync(string command)
    {
        var (code, output) = await StackEnvironment.RunAsync("bash", $"-o pipefail -c \"{command}\"");
        code.ShouldBe(0, output);
        return output;
    }
}
