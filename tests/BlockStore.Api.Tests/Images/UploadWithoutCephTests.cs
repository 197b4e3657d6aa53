using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Images;

/// <summary>
/// The API reaches Ceph only for image uploads. With Ceph's monitors at a port nobody listens on, it stays ready and
/// serves everything else; an upload answers 503 with the reason, and the image is killed.
/// </summary>
public sealed class UploadWithoutCephTests
{
    [Fact]
    public async Task An_upload_while_Ceph_does_not_answer_is_refused_with_503_and_the_image_is_killed()
    {
        await ApiHost.GetAsync(); // the shared host has migrated the database
        // Ceph's monitors at a loopback port nobody listens on.
        await using var host = new ConfiguredApi(new Dictionary<string, string?> { ["Ceph:ConfFile"] = "", ["Ceph:MonHost"] = "v2:127.0.0.1:9" });
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Add("X-Auth-Token", $"uploader:{Guid.NewGuid():N}");

        (await http.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var created = await http.PostAsJsonAsync("/v2/images", new { name = "no-ceph", disk_format = "raw", container_format = "bare" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var data = new ByteArrayContent(new byte[64 << 10]);
        data.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var reply = await http.PutAsync($"/v2/images/{id}/file", data);
        var fault = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        ((int)reply.StatusCode).ShouldBe(503, fault.ToString());
        fault.GetProperty("serviceUnavailable").GetProperty("message").GetString().ShouldNotBeNull().ShouldStartWith("The image data could not be stored: ");

        var image = JsonDocument.Parse(await http.GetStringAsync($"/v2/images/{id}")).RootElement;
        image.GetProperty("status").GetString().ShouldBe("killed");
    }
}
