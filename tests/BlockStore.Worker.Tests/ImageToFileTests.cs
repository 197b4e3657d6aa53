using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static BlockStore.Worker.Tests.ImageFlows;

namespace BlockStore.Worker.Tests;

/// <summary>A volume from an image on a backend that cannot clone (the file backend): a sparse, verified copy.</summary>
[Collection(StackCollection.Name)]
public sealed class ImageToFileTests(LifecycleFixture stack) : IAsyncDisposable
{
    private readonly MigrationSupport _backends = new();

    public ValueTask DisposeAsync() => _backends.DisposeAsync();

    [Fact]
    public async Task A_volume_from_an_image_on_the_file_backend_is_a_sparse_copy_with_the_images_content()
    {
        var project = Guid.NewGuid().ToString("N");
        using var client = stack.Client(project);
        using var admin = stack.AdminClient(project);
        var local = await MigrationSupport.TypeForAsync(admin, "local");
        // 2 MiB of data, then 6 MiB of zeroes that must stay a hole in the file.
        var data = new byte[8 << 20];
        Random.Shared.NextBytes(data.AsSpan(0, 2 << 20));
        var image = await CreateImageAsync(client, "raw");
        (await UploadAsync(client, image, data)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var response = await client.PostAsJsonAsync("volumes", new { volume = new { size = 1, imageRef = image, volume_type = local } });
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(202, body);
        var volume = JsonDocument.Parse(body).RootElement.GetProperty("volume").GetProperty("id").GetGuid();

        var shown = await WaitVolumeAsync(client, volume, "available");
        shown.GetProperty("bootable").GetString().ShouldBe("true");
        shown.GetProperty("volume_image_metadata").GetProperty("image_id").GetString().ShouldBe(image.ToString());
        (await _backends.Sha256Async("local", volume)).ShouldBe(Sha256Padded(data, Gib), StringCompareShould.IgnoreCase);
        var allocated = long.Parse((await ShAsync($"stat -c %b {_backends.FilePath(volume)}")).Trim()) * 512;
        allocated.ShouldBeInRange(2L << 20, (2L << 20) + (64 << 10), "only the image's data is written; its zeroes stay holes");

        (await client.DeleteAsync($"volumes/{volume}")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitGoneAsync(client, volume);
        File.Exists(_backends.FilePath(volume)).ShouldBeFalse();
        (await client.DeleteAsync($"/v2/images/{image}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    private static async Task WaitGoneAsync(HttpClient client, Guid volume)
    {
        for (var until = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < until; await Task.Delay(200))
            if ((await client.GetAsync($"volumes/{volume}")).StatusCode == HttpStatusCode.NotFound) return;
        throw new TimeoutException($"Volume {volume} was not deleted within a minute.");
    }
}
