using BlockStore.Core.Volumes;

namespace BlockStore.Core.Tests;

public sealed class VolumeImageNameTests
{
    [Fact]
    public void Only_volume_dash_uuid_images_belong_to_volumes()
    {
        var volume = Volume.Create("p", "u", 1, null, null, Guid.NewGuid(), "ceph", "nova", null, null, null, DateTime.UtcNow);
        Volume.IdOfImage(volume.ImageName).ShouldBe(volume.Id);
        Volume.IdOfImage($".probe-{volume.Id}").ShouldBeNull();
        Volume.IdOfImage($"deleted-volume-{volume.Id}").ShouldBeNull();
        Volume.IdOfImage($"volume-{volume.Id}-backup").ShouldBeNull();
        Volume.IdOfImage($"volume-{volume.Id:N}").ShouldBeNull();
        Volume.IdOfImage("volume-of-another-tool").ShouldBeNull();
    }
}
