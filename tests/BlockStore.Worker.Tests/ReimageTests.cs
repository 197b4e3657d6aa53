using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using static BlockStore.Worker.Tests.ImageFlows;

namespace BlockStore.Worker.Tests;

/// <summary>
/// <c>os-reimage</c> (3.68) on the real stack: the volume reads exactly as the image, zeroes past its data, on Ceph and on
/// the file backend; its snapshots keep their own data; a failure ends in error with a message; a dead worker's re-image
/// is sent again.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ReimageTests(LifecycleFixture stack) : IAsyncLifetime
{
    private readonly MigrationSupport _backends = new();
    private readonly byte[] _data = new byte[8 << 20];
    private HttpClient _member = null!;
    private HttpClient _admin = null!;
    private Guid _image;

    public async Task InitializeAsync()
    {
        var project = Guid.NewGuid().ToString("N");
        _member = stack.Client(project);
        _admin = stack.AdminClient(project);
        // 3 MiB of data, then 5 MiB of zeroes.
        Random.Shared.NextBytes(_data.AsSpan(0, 3 << 20));
        _image = await CreateImageAsync(_member, "raw");
        (await UploadAsync(_member, _image, _data)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Theory]
    [InlineData("ceph")]
    [InlineData("local")]
    public async Task A_reimaged_volume_reads_as_the_image_and_its_snapshot_keeps_the_data_it_had(string backend)
    {
        var volume = await LifecycleFixture.CreateVolumeAsync(_member, size: 1, type: await MigrationSupport.TypeForAsync(_admin, backend));
        await WaitVolumeAsync(_member, volume, "available");
        // Data where the image has some, and far past the image's end: both must be gone afterwards.
        await _backends.WriteAsync(backend, volume, (1, 4), (600, 8));
        var before = await _backends.Sha256Async(backend, volume);
        Guid? snapshot = backend == "ceph" ? await SnapshotAsync(volume) : null;

        (await ReimageAsync(volume, _image)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var shown = await WaitVolumeAsync(_member, volume, "available");
        shown.GetProperty("volume_image_metadata").GetProperty("image_id").GetString().ShouldBe(_image.ToString());
        (await _backends.Sha256Async(backend, volume)).ShouldBe(Sha256Padded(_data, Gib), StringCompareShould.IgnoreCase);
        if (snapshot is { } s) (await RbdSha256Async($"volumes/volume-{volume}@snapshot-{s}")).ShouldBe(before, StringCompareShould.IgnoreCase);
        await DeleteAsync(volume);
    }

    [Fact]
    public async Task A_reimage_whose_image_data_is_gone_leaves_the_volume_in_error_with_a_message()
    {
        var image = await CreateImageAsync(_member, "raw");
        (await UploadAsync(_member, image, _data)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var volume = await LifecycleFixture.CreateVolumeAsync(_member, size: 1);
        await WaitVolumeAsync(_member, volume, "available");
        // The image's RBD data goes behind BlockStore's back, so the copy cannot read it.
        await ShAsync($"rbd snap unprotect images/{image}@snap && rbd snap purge --no-progress images/{image} && rbd rm --no-progress images/{image}");

        (await ReimageAsync(volume, image)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitVolumeAsync(_member, volume, "error");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"messages?resource_uuid={volume}");
        request.Headers.Add("OpenStack-API-Version", "volume 3.5");
        var messages = JsonDocument.Parse(await (await _member.SendAsync(request)).Content.ReadAsStringAsync()).RootElement.GetProperty("messages");
        messages.EnumerateArray().ShouldContain(m => m.GetProperty("user_message").GetString()!.Contains("could not be re-imaged"));
        await DeleteAsync(volume);
        (await _member.DeleteAsync($"/v2/images/{image}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_reimage_whose_worker_died_is_sent_again_by_the_reconciler_and_completes()
    {
        var volume = await LifecycleFixture.CreateVolumeAsync(_member, size: 1);
        await WaitVolumeAsync(_member, volume, "available");
        await _backends.WriteAsync("ceph", volume, (100, 8));
        // What a re-image looks like once the API has committed it and the worker died before the copy: the row moved,
        // an old heartbeat, and no command on its way.
        await using (var db = StackEnvironment.NewDb())
        {
            await db.Database.ExecuteSqlAsync($"""
                UPDATE blockstore.volumes SET status = 'downloading', previous_status = 'available', reimaging_from = {_image},
                  status_changed_at = now() - interval '1 minute' WHERE id = {volume}
                """);
        }

        await WaitVolumeAsync(_member, volume, "available", TimeSpan.FromSeconds(60));
        (await _backends.Sha256Async("ceph", volume)).ShouldBe(Sha256Padded(_data, Gib), StringCompareShould.IgnoreCase);
        await DeleteAsync(volume);
    }

    private Task<HttpResponseMessage> ReimageAsync(Guid volume, Guid image)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"volumes/{volume}/action")
        {
            Content = JsonContent.Create(new Dictionary<string, object> { ["os-reimage"] = new { image_id = image } }),
        };
        request.Headers.Add("OpenStack-API-Version", "volume 3.68");
        return _member.SendAsync(request);
    }

    private async Task<Guid> SnapshotAsync(Guid volume)
    {
        var created = await _member.PostAsJsonAsync("snapshots", new { snapshot = new { volume_id = volume } });
        created.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var snapshot = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("snapshot").GetProperty("id").GetGuid();
        await WaitUntilAsync(async () =>
            JsonDocument.Parse(await _member.GetStringAsync($"snapshots/{snapshot}")).RootElement.GetProperty("snapshot").GetProperty("status").GetString()
                == "available", "the snapshot is available");
        return snapshot;
    }

    /// <summary>The volume and its snapshots go (a cascade delete), and so does its data.</summary>
    private async Task DeleteAsync(Guid volume)
    {
        (await _member.DeleteAsync($"volumes/{volume}?cascade=true")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await WaitUntilAsync(async () => (await _member.GetAsync($"volumes/{volume}")).StatusCode == HttpStatusCode.NotFound, "the volume is gone");
    }

    public async Task DisposeAsync()
    {
        await _member.DeleteAsync($"/v2/images/{_image}");
        _member.Dispose();
        _admin.Dispose();
        await _backends.DisposeAsync();
    }
}
