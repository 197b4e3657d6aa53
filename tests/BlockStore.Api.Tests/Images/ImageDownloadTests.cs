using BlockStore.Api.Tests.Infrastructure;

namespace BlockStore.Api.Tests.Images;

/// <summary>
/// <c>GET /v2/images/{id}/file</c> where no data is read: an image without data, a converted qcow2 upload, another
/// project's image. Data itself is downloaded and compared in tests/cli/glanceclient.sh, against the real images pool.
/// </summary>
public sealed class ImageDownloadTests : ApiTest
{
    [Fact]
    public async Task An_image_without_data_answers_204_and_another_projects_404()
    {
        var t = NewTenant();
        var id = (await t.Member.Post("/v2/images", new { name = "empty", disk_format = "raw" })).ShouldHave(201).Json.GetProperty("id").GetString();
        (await t.Reader.Get($"/v2/images/{id}/file")).ShouldHave(204).Body.ShouldBeEmpty();
        (await NewTenant().Member.Get($"/v2/images/{id}/file")).ShouldBeFault(404, "itemNotFound");
    }

    [Fact]
    public async Task A_converted_qcow2_upload_cannot_be_downloaded_as_qcow2()
    {
        var t = NewTenant();
        var image = await Host.ActiveImageAsync(t.ProjectId, 1L << 30, diskFormat: "qcow2");
        (await t.Member.Get($"/v2/images/{image.Id}/file")).ShouldBeFault(409, "conflictingRequest").ShouldContain("converted to raw");
    }
}
