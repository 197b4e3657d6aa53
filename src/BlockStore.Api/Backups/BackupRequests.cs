using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;
using FluentValidation;

namespace BlockStore.Api.Backups;

public sealed class CreateBackupBody : OpenBody
{
    public CreateBackupRequest? Backup { get; set; }
}

/// <summary>Cinder's backup create body (3.43 metadata, 3.51 availability_zone), read so that its checks come first.</summary>
public sealed class CreateBackupRequest : OpenBody
{
    public string? VolumeId { get; set; }
    public string? SnapshotId { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Container { get; set; }
    public string? AvailabilityZone { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? Incremental { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? Force { get; set; }
}

public sealed class CreateBackupBodyValidator : AbstractValidator<CreateBackupBody>
{
    public CreateBackupBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Backup).NotNull().WithMessage(Rules.Malformed).SetValidator(new CreateBackupRequestValidator()!);
    }
}

public sealed class CreateBackupRequestValidator : AbstractValidator<CreateBackupRequest>
{
    public CreateBackupRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.VolumeId).NotNull().WithMessage("Invalid input for field/attribute backup. 'volume_id' is a required property");
        RuleFor(r => r.VolumeId).IsUuid("volume_id");
        RuleFor(r => r.SnapshotId).IsUuid("snapshot_id");
        RuleFor(r => r.Name).IsName("name");
        RuleFor(r => r.Description).IsDescription(255);
        RuleFor(r => r.Metadata).IsMetadata();
    }
}

public sealed class UpdateBackupBody : OpenBody
{
    public UpdateBackupRequest? Backup { get; set; }
}

/// <summary>Cinder's backup update (3.9; metadata from 3.43, which replaces the backup's).</summary>
public sealed class UpdateBackupRequest : OpenBody
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
}

public sealed class UpdateBackupBodyValidator : AbstractValidator<UpdateBackupBody>
{
    public UpdateBackupBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Backup).NotNull().WithMessage(Rules.Malformed).SetValidator(new UpdateBackupRequestValidator()!);
    }
}

public sealed class UpdateBackupRequestValidator : AbstractValidator<UpdateBackupRequest>
{
    public UpdateBackupRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.Name).IsName("name");
        RuleFor(r => r.Description).IsDescription(255);
        RuleFor(r => r.Metadata).IsMetadata();
    }
}

public sealed class RestoreBackupBody : OpenBody
{
    /// <summary>May be null, as in Cinder's schema: a restore into a new volume named after the backup.</summary>
    public RestoreBackupRequest? Restore { get; set; }
}

public sealed class RestoreBackupRequest : OpenBody
{
    public string? VolumeId { get; set; }
    public string? Name { get; set; }
}

public sealed class RestoreBackupBodyValidator : AbstractValidator<RestoreBackupBody>
{
    public RestoreBackupBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Restore).SetValidator(new RestoreBackupRequestValidator()!);
    }
}

public sealed class RestoreBackupRequestValidator : AbstractValidator<RestoreBackupRequest>
{
    public RestoreBackupRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.VolumeId).IsUuid("volume_id");
        RuleFor(r => r.Name).IsName("name");
    }
}

/// <summary>The body of <c>POST …/backups/{id}/action</c>: one admin action.</summary>
public sealed class BackupActionBody
{
    [JsonPropertyName("os-reset_status")] public BackupResetStatus? ResetStatus { get; set; }
    /// <summary>Takes no arguments, so any value asks for it; absent, it is <see cref="System.Text.Json.JsonValueKind.Undefined"/>.</summary>
    [JsonPropertyName("os-force_delete")] public System.Text.Json.JsonElement ForceDelete { get; set; }
    [JsonExtensionData] public Dictionary<string, System.Text.Json.JsonElement>? Unknown { get; set; }
}

public sealed class BackupResetStatus
{
    public string? Status { get; set; }
}
