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
