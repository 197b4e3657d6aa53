namespace BlockStore.Core.Messages;

/// <summary>Event ids in Cinder's form (<c>VOLUME_0000NN</c>), one per kind of failed operation.</summary>
public static class UserMessageEvents
{
    public const string VolumeCreateFailed = "VOLUME_000001";
    public const string VolumeDeleteFailed = "VOLUME_000002";
    public const string VolumeExtendFailed = "VOLUME_000003";
    public const string SnapshotCreateFailed = "VOLUME_000004";
    public const string SnapshotDeleteFailed = "VOLUME_000005";
    public const string OperationTimedOut = "VOLUME_000006";
    public const string FlattenFailed = "VOLUME_000007";
    public const string MigrationFailed = "VOLUME_000008";
    public const string UploadToImageFailed = "VOLUME_000009";
    public const string RevertFailed = "VOLUME_000010";
    public const string ReimageFailed = "VOLUME_000011";
    public const string ManageFailed = "VOLUME_000012";
    public const string UnmanageFailed = "VOLUME_000013";
    public const string SnapshotManageFailed = "VOLUME_000014";
    public const string SnapshotUnmanageFailed = "VOLUME_000015";
    public const string RetypeFailed = "VOLUME_000016";
    public const string BackupCreateFailed = "VOLUME_000017";
    public const string BackupRestoreFailed = "VOLUME_000018";
    public const string BackupDeleteFailed = "VOLUME_000019";
}
