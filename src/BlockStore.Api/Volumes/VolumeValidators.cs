using BlockStore.Api.Infrastructure;
using FluentValidation;

namespace BlockStore.Api.Volumes;

public sealed class CreateVolumeBodyValidator : AbstractValidator<CreateVolumeBody>
{
    public CreateVolumeBodyValidator()
    {
        this.NoUnknownMembers(sinceMinor: 53);
        RuleFor(b => b.Volume).NotNull().WithMessage(Rules.Malformed)
            .SetValidator(new CreateVolumeRequestValidator()!);
    }
}

public sealed class CreateVolumeRequestValidator : AbstractValidator<CreateVolumeRequest>
{
    public CreateVolumeRequestValidator()
    {
        this.NoUnknownMembers(sinceMinor: 53);
        RuleFor(v => v.Size)
            .NotNull().When(v => v.SnapshotId is null && v.SourceVolid is null && v.EffectiveImage is null && v.BackupId is null)
            .WithMessage(Rules.Malformed);
        RuleFor(v => v.Size).GreaterThanOrEqualTo(1)
            .WithMessage((_, s) => $"Invalid input for field/attribute size. Value: {s}. {s} is less than the minimum of 1");
        RuleFor(v => v.Size).LessThanOrEqualTo(Rules.MaxSizeGb)
            .WithMessage((_, s) => $"Invalid input for field/attribute size. Value: {s}. {s} is greater than the maximum of {Rules.MaxSizeGb}");
        RuleFor(v => v.EffectiveName).IsName("name");
        RuleFor(v => v.EffectiveDescription).IsDescription();
        RuleFor(v => v.Metadata).IsMetadata();
        RuleFor(v => v.SnapshotId).IsUuid("snapshot_id");
        RuleFor(v => v.SourceVolid).IsUuid("source_volid");
        RuleFor(v => v).Must(v => v.SnapshotId is null || v.SourceVolid is null)
            .WithMessage("Invalid input received: only one of snapshot_id and source_volid may be given.");
        RuleFor(v => v.BackupId).IsUuid("backup_id");
        RuleFor(v => v).Must(v => new[] { v.EffectiveImage, v.SnapshotId, v.SourceVolid, v.BackupId }.Count(s => s is not null) <= 1)
            .WithMessage("Invalid input received: a volume has one source: an image, a snapshot, a volume or a backup, not several.");
        RuleFor(v => v.ConsistencygroupId).Null().WithMessage("Invalid input received: consistency groups are not supported.");
        RuleFor(v => v.GroupId).Null().WithMessage("Invalid input received: groups are not supported.");
    }
}

public sealed class UpdateVolumeBodyValidator : AbstractValidator<UpdateVolumeBody>
{
    public UpdateVolumeBodyValidator()
    {
        this.NoUnknownMembers(sinceMinor: 53);
        RuleFor(b => b.Volume).NotNull().WithMessage("Missing required element 'volume' in request body.");
        RuleFor(b => b.Volume!).SetValidator(new UpdateVolumeRequestValidator()).When(b => b.Volume is not null);
    }
}

/// <summary>From 3.53, as Cinder's schema has it, an update names only what it may change, and at least one of them.</summary>
public sealed class UpdateVolumeRequestValidator : AbstractValidator<UpdateVolumeRequest>
{
    public UpdateVolumeRequestValidator()
    {
        this.NoUnknownMembers(sinceMinor: 53);
        RuleFor(v => v.Name ?? v.DisplayName).IsName("name");
        RuleFor(v => v.Metadata).IsMetadata();
        RuleFor(v => v).Must(v => (v.Name ?? v.Description ?? v.DisplayName ?? v.DisplayDescription ?? (object?)v.Metadata) is not null)
            .When((_, ctx) => Rules.VersionOf(ctx).AtLeast(53))
            .WithMessage("Invalid input for field/attribute volume. Value: {}. {} is not valid under any of the given schemas");
    }
}
