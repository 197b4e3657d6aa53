namespace BlockStore.Core.Types;

/// <summary>A project a private volume type is shared with: the project's members may see and use the type.</summary>
public sealed class VolumeTypeAccess
{
    public Guid VolumeTypeId { get; set; }
    public string ProjectId { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}
