using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static BlockStore.Worker.Tests.ImageFlows;

namespace BlockStore.Worker.Tests;

/// <summary>Images and the file backend, which cannot clone: both directions are sparse, verified copies.</summary>
[Collection(StackCollection.Name)]
public sealed class ImageToFileTests(LifecycleFixture stack) : IAsyncDisposable
{
    private readonly MigrationSupport _backends = new();

    public ValueTask DisposeAsync() => _backends.DisposeAsync();

    [Fact]
    public async Task A_file_volume_from_an_image_is_a_sparse_copy_and_uploads_back_into_an_image_with_the_same_content()
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

        // And back: the file volume uploaded to an image, then a Ceph volume cloned from that image.
        var upload = await client.PostAsJsonAsync($"volumes/{volume}/action",
            new Dictionary<string, object> { ["os-volume_upload_image"] = new { image_name = "from-file", disk_format = "raw", container_format = "bare" } });
        var uploadBody = await upload.Content.ReadAsStringAsync();
        ((int)upload.StatusCode).ShouldBe(202, uploadBody);
        var uploaded = JsonDocument.Parse(uploadBody).RootElement.GetProperty("os-volume_upload_image").GetProperty("image_id").GetGuid();
        (await WaitImageAsync(client, uploaded, "active")).GetProperty("virtual_size").GetInt64().ShouldBe(Gib);
        await WaitVolumeAsync(client, volume, "available");
        var copy = await CreateVolumeFromImageAsync(client, uploaded);
        await WaitVolumeAsync(client, copy, "available");
        await ShouldBeCloneOfAsync(copy, uploaded);
        (await RbdSha256Async($"volumes/volume-{copy}")).ShouldBe(Sha256Padded(data, Gib));

        await DeleteVolumesAsync(client, copy, volume);
        File.Exists(_backends.FilePath(volume)).ShouldBeFalse();
        (await client.DeleteAsync($"/v2/images/{image}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.DeleteAsync($"/v2/images/{uploaded}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }
}
