namespace BlockStore.Core.Types;

/// <summary>A project a private volume type is shared with: the project's members may see and use the type.</summary>
public sealed class VolumeTypeAccess
{
    /// <summary>
    /// The SQL condition under which the type aliased <paramref name="type"/> is one the project <c>@project</c> may use:
    /// public, or shared with it. Admins see every type.
    /// </summary>
    public static string UsableSql(string type) =>
        $"({type}.is_public OR EXISTS (SELECT 1 FROM blockstore.volume_type_access a WHERE a.volume_type_id = {type}.id AND a.project_id = @project))";

    public Guid VolumeTypeId { get; set; }
    public string ProjectId { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}
