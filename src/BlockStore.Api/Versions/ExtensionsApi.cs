using BlockStore.Api.Infrastructure;

namespace BlockStore.Api.Versions;

/// <summary>
/// <c>…/extensions</c>: Cinder's list of the API extensions served, by the names clients test for (dashboards ask
/// for <c>AvailabilityZones</c> before they offer a zone). Only extensions whose calls and fields BlockStore serves are
/// listed.
/// </summary>
public static class ExtensionsApi
{
    /// <summary>One date for every entry: when this list last changed.</summary>
    private const string Updated = "2026-11-27T00:00:00+00:00";

    private static readonly (string Alias, string Name, string Description)[] Served =
    [
        ("os-admin-actions", "AdminActions", "os-reset_status, os-force_delete, os-force_detach and os-migrate_volume, for admins."),
        ("os-availability-zone", "AvailabilityZones", "The availability zone volumes are created in."),
        ("backups", "Backups", "Full copies of volumes in the backup store: create, restore, delete, and for admins reset and force-delete."),
        ("os-backup-project-attr", "BackupProjectAttribute", "A backup's project, for admins."),
        ("capabilities", "Capabilities", "What each backend's volume service offers, for admins."),
        ("os-extended-snapshot-attributes", "ExtendedSnapshotAttributes", "A snapshot's project and progress."),
        ("qos-specs", "Qos_specs_manage", "QoS specs and their volume types, for admins; front-end specs reach the consumer in the connection info."),
        ("os-quota-sets", "Quotas", "Per-project quotas, their defaults and usage."),
        ("os-services", "Services", "The volume services workers report, and their backends' state; disabling and enabling them, for admins."),
        ("scheduler-stats", "Scheduler_stats", "Each backend's pool and its capacity, for admins."),
        ("os-types-extra-specs", "TypesExtraSpecs", "Extra specs of volume types."),
        ("os-types-manage", "TypesManage", "Creating, updating and deleting volume types."),
        ("os-used-limits", "UsedLimits", "Usage next to the absolute limits."),
        ("os-volume-type-access", "VolumeTypeAccess", "Private volume types shared with chosen projects."),
        ("os-volume-transfer", "VolumeTransfer", "Volumes given from one project to another."),
        ("os-volume-manage", "VolumeManage", "Existing RBD images adopted as volumes, and the lists of what a backend holds that may be, for admins."),
        ("os-volume-unmanage", "VolumeUnmanage", "os-unmanage: a volume leaves BlockStore and its RBD image stays, renamed volume-<id>.unmanaged, for admins."),
        ("os-snapshot-manage", "SnapshotManage", "RBD snapshots of a volume's image that BlockStore does not manage, adopted as snapshots, and their lists, for admins."),
        ("os-snapshot-unmanage", "SnapshotUnmanage", "os-unmanage: a snapshot leaves BlockStore and its RBD snapshot stays on the volume's image, unprotected, for admins."),
        ("os-volume-actions", "VolumeActions", "os-extend, os-retype, os-set_bootable, os-volume_upload_image, os-update_readonly_flag, and the attach flow: os-reserve, os-unreserve, os-initialize_connection, os-attach, os-begin_detaching, os-roll_detaching, os-terminate_connection and os-detach."),
        ("os-vol-host-attr", "VolumeHostAttribute", "A volume's host@backend#pool, for admins."),
        ("os-vol-image-meta", "VolumeImageMetadata", "A volume's image metadata: shown with it, and set, unset and shown by os-set_image_metadata, os-unset_image_metadata and os-show_image_metadata."),
        ("os-vol-mig-status-attr", "VolumeMigStatusAttribute", "A volume's migration status, for admins."),
        ("os-vol-tenant-attr", "VolumeTenantAttribute", "A volume's project, for admins."),
    ];

    public static void MapExtensionsApi(this RouteGroupBuilder v3) => v3.MapGet("/extensions", List).WithTags("Versions");

    /// <summary><c>{"extensions": [{"alias", "description", "links", "name", "updated"}]}</c>, to every caller.</summary>
    public static IResult List() => JsonBody.Ok(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("extensions");
        foreach (var (alias, name, description) in Served)
        {
            w.WriteStartObject();
            w.WriteString("alias", alias);
            w.WriteString("description", description);
            w.WriteStartArray("links");
            w.WriteEndArray();
            w.WriteString("name", name);
            w.WriteString("updated", Updated);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });
}
