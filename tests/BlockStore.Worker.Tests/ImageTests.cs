using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using static BlockStore.Worker.Tests.ImageFlows;

namespace BlockStore.Worker.Tests;

/// <summary>Images end to end: uploads over HTTP into the images pool, volumes cloned from them, and back.</summary>
[Collection(StackCollection.Name)]
public sealed class ImageTests(LifecycleFixture stack) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("blockstore-image-tests").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_raw_upload_is_sparse_checksummed_and_every_volume_from_it_is_a_clone_with_its_content()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var data = SparseRaw();
        var image = await CreateImageAsync(client, "raw", new { min_disk = 1, os_distro = "cirros" });

        (await UploadAsync(client, image, data)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var shown = await ShowImageAsync(client, image);
        shown.GetProperty("status").GetString().ShouldBe("active");
        shown.GetProperty("size").GetInt64().ShouldBe(data.Length);
        shown.GetProperty("virtual_size").GetInt64().ShouldBe(data.Length);
        shown.GetProperty("checksum").GetString().ShouldBe(Convert.ToHexStringLower(MD5.HashData(data)));
        shown.GetProperty("os_hash_algo").GetString().ShouldBe("sha512");
        shown.GetProperty("os_hash_value").GetString().ShouldBe(Convert.ToHexStringLower(SHA512.HashData(data)));
        shown.GetProperty("os_distro").GetString().ShouldBe("cirros");

        // Sparse: nothing was written where the data is zero, and the base has its protected snapshot.
        var diff = JsonDocument.Parse(await ShAsync($"rbd diff --format json images/{image}")).RootElement;
        diff.EnumerateArray().ShouldAllBe(e => e.GetProperty("offset").GetInt64() + e.GetProperty("length").GetInt64() <= (4 << 20)
                                               || e.GetProperty("offset").GetInt64() >= (8 << 20));
        (await ShAsync($"rbd snap ls --format json images/{image}")).ShouldContain("\"snap\"");

        var first = await CreateVolumeFromImageAsync(client, image);
        var second = await CreateVolumeFromImageAsync(client, image, size: 2, key: "image_id");
        foreach (var (volume, size) in new[] { (first, 1), (second, 2) })
        {
            var v = await WaitVolumeAsync(client, volume, "available");
            v.GetProperty("bootable").GetString().ShouldBe("true");
            v.GetProperty("volume_image_metadata").GetProperty("image_id").GetString().ShouldBe(image.ToString());
            v.GetProperty("volume_image_metadata").GetProperty("os_distro").GetString().ShouldBe("cirros");
            await ShouldBeCloneOfAsync(volume, image);
            (await RbdSha256Async($"volumes/volume-{volume}")).ShouldBe(Sha256Padded(data, size * Gib));
        }

        await DeleteVolumesAsync(client, first, second);
    }

    [Fact]
    public async Task A_download_gives_back_the_upload_whole_or_one_range_of_it()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var data = SparseRaw(); // ranges below cross chunks and the hole
        var image = await CreateImageAsync(client, "raw", new { });
        (await UploadAsync(client, image, data)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using (var whole = await client.GetAsync($"/v2/images/{image}/file"))
        {
            whole.StatusCode.ShouldBe(HttpStatusCode.OK);
            whole.Headers.AcceptRanges.ShouldContain("bytes");
            whole.Content.Headers.GetValues("Content-MD5").Single().ShouldBe(Convert.ToHexStringLower(MD5.HashData(data)));
            (await whole.Content.ReadAsByteArrayAsync()).ShouldBe(data);
        }
        foreach (var (header, start, end) in new (string, int, int)[]
                 {
                     ("bytes=0-99", 0, 100),
                     ($"bytes={(4 << 20) - 10}-{(9 << 20) + 20}", (4 << 20) - 10, (9 << 20) + 21),
                     ("bytes=-123", data.Length - 123, data.Length),
                     ($"bytes={data.Length - 1}-{data.Length + 1000}", data.Length - 1, data.Length),
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/images/{image}/file");
            request.Headers.TryAddWithoutValidation("Range", header);
            using var part = await client.SendAsync(request);
            part.StatusCode.ShouldBe(HttpStatusCode.PartialContent, header);
            part.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes {start}-{end - 1}/{data.Length}");
            part.Content.Headers.ContentLength.ShouldBe(end - start);
            part.Content.Headers.Contains("Content-MD5").ShouldBeFalse();
            (await part.Content.ReadAsByteArrayAsync()).ShouldBe(data[start..end], header);
        }
        using (var past = new HttpRequestMessage(HttpMethod.Get, $"/v2/images/{image}/file"))
        {
            past.Headers.TryAddWithoutValidation("Range", $"bytes={data.Length}-");
            using var refused = await client.SendAsync(past);
            ((int)refused.StatusCode).ShouldBe(416);
            refused.Content.Headers.ContentRange!.ToString().ShouldBe($"bytes */{data.Length}");
            (await refused.Content.ReadAsStringAsync()).ShouldContain("Invalid start position");
        }
        (await client.DeleteAsync($"/v2/images/{image}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_qcow2_upload_is_converted_once_and_volumes_from_it_are_clones_equal_to_qemu_img_convert()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var plain = Path.Combine(_dir, "plain.qcow2");
        var compressed = Path.Combine(_dir, "compressed.qcow2");
        await ShAsync($"qemu-img create -q -f qcow2 -o cluster_size=65536 {plain} 48M");
        await ShAsync($"qemu-io -f qcow2 -c 'write -P 0xab 1M 2M' -c 'write -P 0x5c 40M 300k' -c 'write -z 2M 64k' {plain} > /dev/null");
        await ShAsync($"qemu-img convert -c -O qcow2 -o compat=0.10 {plain} {compressed}");

        foreach (var file in new[] { plain, compressed })
        {
            var oracle = file + ".raw";
            await ShAsync($"qemu-img convert -O raw {file} {oracle} && truncate -s 1G {oracle}");
            var expected = (await ShAsync($"sha256sum {oracle}")).Split(' ')[0];
            var bytes = await File.ReadAllBytesAsync(file);

            var image = await CreateImageAsync(client, "qcow2");
            (await UploadAsync(client, image, bytes)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
            var shown = await ShowImageAsync(client, image);
            shown.GetProperty("status").GetString().ShouldBe("active");
            shown.GetProperty("disk_format").GetString().ShouldBe("qcow2");
            shown.GetProperty("size").GetInt64().ShouldBe(bytes.Length);
            shown.GetProperty("virtual_size").GetInt64().ShouldBe(48L << 20);
            shown.GetProperty("checksum").GetString().ShouldBe(Convert.ToHexStringLower(MD5.HashData(bytes)));
            (await RbdInfoAsync($"images/{image}")).GetProperty("size").GetInt64().ShouldBe(48L << 20);

            // Converted once: both volumes are clones of the same raw base.
            var volumes = new[] { await CreateVolumeFromImageAsync(client, image), await CreateVolumeFromImageAsync(client, image) };
            foreach (var volume in volumes)
            {
                await WaitVolumeAsync(client, volume, "available");
                await ShouldBeCloneOfAsync(volume, image);
                (await RbdSha256Async($"volumes/volume-{volume}")).ShouldBe(expected, $"volume from {Path.GetFileName(file)}");
            }
            await DeleteVolumesAsync(client, volumes);
        }
    }

    [Fact]
    public async Task A_volume_uploaded_to_an_image_comes_back_equal_in_a_new_volume()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var data = new byte[3 << 20];
        Random.Shared.NextBytes(data);
        var source = await CreateImageAsync(client, "raw");
        (await UploadAsync(client, source, data)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var volume = await CreateVolumeFromImageAsync(client, source);
        await WaitVolumeAsync(client, volume, "available");

        var response = await client.PostAsJsonAsync($"volumes/{volume}/action",
            new Dictionary<string, object> { ["os-volume_upload_image"] = new { image_name = "round-trip", disk_format = "raw", container_format = "bare", force = false } });
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(202, text);
        var body = JsonDocument.Parse(text).RootElement.GetProperty("os-volume_upload_image");
        body.GetProperty("id").GetGuid().ShouldBe(volume);
        body.GetProperty("status").GetString().ShouldBe("uploading");
        body.GetProperty("image_name").GetString().ShouldBe("round-trip");
        body.GetProperty("disk_format").GetString().ShouldBe("raw");
        body.GetProperty("container_format").GetString().ShouldBe("bare");
        body.GetProperty("volume_type").GetProperty("name").GetString().ShouldNotBeNull();
        var uploaded = body.GetProperty("image_id").GetGuid();

        var image = await WaitImageAsync(client, uploaded, "active");
        image.GetProperty("virtual_size").GetInt64().ShouldBe(Gib);
        image.GetProperty("min_disk").GetInt32().ShouldBe(1);
        await WaitVolumeAsync(client, volume, "available");
        // A flattened copy: the image does not hang from the volume, which stays freely deletable.
        (await RbdInfoAsync($"images/{uploaded}")).TryGetProperty("parent", out _).ShouldBeFalse();
        (await ShAsync($"rbd snap ls --format json volumes/volume-{volume}")).ShouldNotContain("image-");

        var back = await CreateVolumeFromImageAsync(client, uploaded);
        await WaitVolumeAsync(client, back, "available");
        await ShouldBeCloneOfAsync(back, uploaded);
        (await RbdSha256Async($"volumes/volume-{back}")).ShouldBe(Sha256Padded(data, Gib));
        await DeleteVolumesAsync(client, volume, back);
    }

    [Fact]
    public async Task Deleting_an_image_with_clones_hides_its_base_until_the_last_clone_is_gone()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var image = await CreateImageAsync(client, "raw");
        (await UploadAsync(client, image, RandomBytes(1 << 20))).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var volume = await CreateVolumeFromImageAsync(client, image);
        await WaitVolumeAsync(client, volume, "available");

        (await client.DeleteAsync($"/v2/images/{image}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync($"/v2/images/{image}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await WaitUntilAsync(async () => (await LifecycleFixture.RbdImagesAsync("images")).Contains($"deleted-{image}"), "the base is hidden");
        (await LifecycleFixture.RbdImagesAsync("images")).ShouldNotContain(image.ToString());
        (await RbdSha256Async($"volumes/volume-{volume}")).ShouldNotBeNullOrEmpty(); // the clone still reads through

        await DeleteVolumesAsync(client, volume);
        await WaitUntilAsync(async () => !(await LifecycleFixture.RbdImagesAsync("images")).Contains($"deleted-{image}"), "the hidden base is removed");
    }

    [Fact]
    public async Task Hostile_qcow2_uploads_end_killed_with_a_reason_and_leave_no_data()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var valid = Path.Combine(_dir, "valid.qcow2");
        var backed = Path.Combine(_dir, "backed.qcow2");
        await ShAsync($"qemu-img create -q -f qcow2 {valid} 16M && qemu-io -f qcow2 -c 'write -P 0x11 0 1M' {valid} > /dev/null");
        await ShAsync($"qemu-img create -q -f qcow2 -b {valid} -F qcow2 {backed}");
        var good = await File.ReadAllBytesAsync(valid);
        var corpus = new Dictionary<string, byte[]>
        {
            ["not qcow2 at all"] = RandomBytes(64 << 10),
            ["truncated header"] = good[..40],
            ["cluster_bits out of range"] = Patched(good, 20, BigEndian(40u)),
            ["lying virtual size"] = Patched(good, 24, BigEndian(1UL << 60)),
            ["L1 table past the end of the file"] = Patched(good, 40, BigEndian(1UL << 40)),
            ["backing file"] = await File.ReadAllBytesAsync(backed),
        };
        foreach (var (what, bytes) in corpus)
        {
            var image = await CreateImageAsync(client, "qcow2");
            var response = await UploadAsync(client, image, bytes);
            ((int)response.StatusCode).ShouldBeOneOf([400, 413], $"{what}: {await response.Content.ReadAsStringAsync()}");
            var shown = await ShowImageAsync(client, image);
            shown.GetProperty("status").GetString().ShouldBe("killed", what);
            shown.GetProperty("os_blockstore_killed_reason").GetString().ShouldNotBeNullOrWhiteSpace(what);
            (await LifecycleFixture.RbdImagesAsync("images")).ShouldNotContain(image.ToString(), what);
        }

        // Sent chunked, without a length, so that the limit is found while streaming.
        var tooLarge = await CreateImageAsync(client, "raw");
        var chunked = new StreamContent(new NoLengthStream(new byte[LifecycleFixture.ImageUploadLimit + 1]));
        chunked.Headers.ContentType = new("application/octet-stream");
        ((int)(await client.PutAsync($"/v2/images/{tooLarge}/file", chunked)).StatusCode).ShouldBe(413);
        (await ShowImageAsync(client, tooLarge)).GetProperty("status").GetString().ShouldBe("killed");
        using var probe = new HttpClient { BaseAddress = stack.ApiUrl };
        (await probe.GetAsync("/healthz")).IsSuccessStatusCode.ShouldBeTrue("the API survives hostile uploads");
    }

    [Fact]
    public async Task An_upload_whose_process_died_is_killed_by_the_reconciler_and_its_data_removed()
    {
        using var client = stack.Client(Guid.NewGuid().ToString("N"));
        var image = await CreateImageAsync(client, "raw");
        // What a crash mid-upload leaves: the row saving, no heartbeat, and part of the data in the pool.
        await using (var db = StackEnvironment.NewDb())
        {
            var row = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Images, i => i.Id == image);
            row.BeginUpload(DateTime.UtcNow.AddMinutes(-1));
            await db.SaveChangesAsync();
        }
        await ShAsync($"rbd create --size 8M images/{image}");

        var killed = await WaitImageAsync(client, image, "killed", TimeSpan.FromSeconds(60));
        killed.GetProperty("os_blockstore_killed_reason").GetString()!.ShouldContain("interrupted");
        await WaitUntilAsync(async () => !(await LifecycleFixture.RbdImagesAsync("images")).Contains(image.ToString()), "the partial data is removed");
    }

    [Fact]
    public async Task A_volume_whose_clone_fails_goes_to_error_with_a_user_message()
    {
        var project = Guid.NewGuid().ToString("N");
        using var client = stack.Client(project);
        // An active record whose data is gone: what a clone meets when the base vanished under it.
        var image = Core.Images.Image.Create(project, "vanished", "raw", "bare", Core.Images.ImageVisibility.Private, false, 0, 0, null, DateTime.UtcNow);
        image.BeginUpload(DateTime.UtcNow);
        image.Activate(1 << 20, 1 << 20, null, null, DateTime.UtcNow);
        await using (var db = StackEnvironment.NewDb())
        {
            db.Images.Add(image);
            await db.SaveChangesAsync();
        }

        var volume = await CreateVolumeFromImageAsync(client, image.Id);
        await WaitVolumeAsync(client, volume, "error");
        using var request = new HttpRequestMessage(HttpMethod.Get, "messages");
        request.Headers.Add("OpenStack-API-Version", "volume 3.3");
        var messages = JsonDocument.Parse(await (await client.SendAsync(request)).Content.ReadAsStringAsync()).RootElement.GetProperty("messages");
        messages.EnumerateArray().ShouldContain(m => m.GetProperty("resource_uuid").GetString() == volume.ToString()
                                                    && m.GetProperty("user_message").GetString()!.Contains(image.Id.ToString()));
        await using (var db = StackEnvironment.NewDb())
        {
            db.Images.Remove(await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Images, i => i.Id == image.Id));
            await db.SaveChangesAsync();
        }
    }



    /// <summary>A stream that cannot tell its length, so HttpClient sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    /// <summary>A raw disk: 1 MiB of data, 8 MiB of zeroes (two whole RBD objects), then an odd-sized tail of data.</summary>
    private static byte[] SparseRaw()
    {
        var data = new byte[(10 << 20) + 123];
        Random.Shared.NextBytes(data.AsSpan(0, 1 << 20));
        Random.Shared.NextBytes(data.AsSpan(9 << 20));
        return data;
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Patched(byte[] original, int offset, byte[] value)
    {
        var copy = (byte[])original.Clone();
        value.CopyTo(copy, offset);
        return copy;
    }

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] BigEndian(ulong value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }
}
