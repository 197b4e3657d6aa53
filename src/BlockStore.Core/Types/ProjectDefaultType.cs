namespace BlockStore.Core.Types;

/// <summary>
/// The volume type a project's volumes get when their create names none (Cinder's default type overrides, 3.62).
/// Without one, the project's volumes get <see cref="VolumeType.DefaultName"/>.
/// </summary>
public sealed class ProjectDefaultType
{
    public string ProjectId { get; set; } = "";
    public Guid VolumeTypeId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
}
