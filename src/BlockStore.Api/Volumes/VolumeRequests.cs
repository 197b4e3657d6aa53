using System.Text.Json;
using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;

namespace BlockStore.Api.Volumes;

public sealed class CreateVolumeBody : OpenBody
{
    public CreateVolumeRequest? Volume { get; set; }

    /// <summary>
    /// Where Cinder's clients send scheduler hints (<c>cinder create --hint</c>, gophercloud's <c>SchedulerHintOpts</c>);
    /// Cinder's schema allows it at every version. Accepted and not acted on: a backend has one host here, so
    /// <c>same_host</c> and <c>different_host</c> have nothing to choose between.
    /// </summary>
    [JsonPropertyName("OS-SCH-HNT:scheduler_hints")] public JsonElement? SchedulerHints { get; set; }
}

public sealed class CreateVolumeRequest : OpenBody
{
    public int? Size { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? DisplayName { get; set; }
    public string? DisplayDescription { get; set; }
    public string? VolumeType { get; set; }
    public string? AvailabilityZone { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public string? SnapshotId { get; set; }
    public string? SourceVolid { get; set; }
    [JsonPropertyName("imageRef")] public string? ImageRef { get; set; }
    public string? ImageId { get; set; }
    public string? BackupId { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? Multiattach { get; set; }
    public string? ConsistencygroupId { get; set; }
    public string? GroupId { get; set; }
    [JsonPropertyName("scheduler_hints")] public JsonElement? SchedulerHints { get; set; }

    public string? EffectiveName => Name ?? DisplayName;
    public string? EffectiveDescription => Description ?? DisplayDescription;
    public string? EffectiveImage => ImageRef ?? ImageId;
}

public sealed class UpdateVolumeBody : OpenBody
{
    public UpdateVolumeRequest? Volume { get; set; }
}

public sealed class UpdateVolumeRequest : OpenBody
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? DisplayName { get; set; }
    public string? DisplayDescription { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
}
