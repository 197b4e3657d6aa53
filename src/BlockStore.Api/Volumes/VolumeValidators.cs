using BlockStore.Api.Infrastructure;
using FluentValidation;

namespace BlockStore.Api.Volumes;

/// <summary>Shared rules; each message follows Cinder's wording where clients depend on it.</summary>
public static class Rules
{
    /// <summary>Largest size accepted, in GiB (1 PiB): anything bigger is a typo, not a volume.</summary>
    public const int MaxSizeGb = 1024 * 1024;

    public static bool AllowsUnknown(IValidationContext ctx) =>
        ctx.RootContextData.TryGetValue(nameof(Microversion), out var v) && v is Microversion m && !m.AtLeast(53);

    public static void NoUnknownMembers<T>(this AbstractValidator<T> v) where T : OpenBody =>
        v.RuleFor(x => x.Unknown).Custom((unknown, ctx) =>
        {
            if (unknown is { Count: > 0 } && !AllowsUnknown(ctx))
                ctx.AddFailure($"Additional properties are not allowed ('{unknown.Keys.First()}' was unexpected)");
        });

    public static IRuleBuilderOptions<T, Dictionary<string, string>?> IsMetadata<T>(this IRuleBuilder<T, Dictionary<string, string>?> rule) =>
        rule.Must(m => m is null || m.All(p => p.Key.Length is > 0 and <= 255 && p.Value is not null && p.Value.Length <= 255))
            .WithMessage("Invalid input for field/attribute metadata. Keys must be 1 to 255 characters and values at most 255.");

    public static IRuleBuilderOptions<T, string?> IsUuid<T>(this IRuleBuilder<T, string?> rule, string field) =>
        rule.Must(s => s is null || Guid.TryParse(s, out _))
            .WithMessage((_, s) => $"Invalid input for field/attribute {field}. Value: {s}. '{s}' is not a 'uuid'");

    public static IRuleBuilderOptions<T, string?> IsName<T>(this IRuleBuilder<T, string?> rule, string field) =>
        rule.Must(s => s is null || s.Length <= 255)
            .WithMessage($"Invalid input for field/attribute {field}. It is longer than 255 characters.");
}

public sealed class CreateVolumeBodyValidator : AbstractValidator<CreateVolumeBody>
{
    public CreateVolumeBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Volume).NotNull()
            .WithMessage("The server could not comply with the request since it is either malformed or otherwise incorrect.")
            .SetValidator(new CreateVolumeRequestValidator()!);
    }
}

public sealed class CreateVolumeRequestValidator : AbstractValidator<CreateVolumeRequest>
{
    public CreateVolumeRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(v => v.Size)
            .NotNull().When(v => v.SnapshotId is null && v.SourceVolid is null && v.EffectiveImage is null)
            .WithMessage("The server could not comply with the request since it is either malformed or otherwise incorrect.");
        RuleFor(v => v.Size).GreaterThanOrEqualTo(1)
            .WithMessage((_, s) => $"Invalid input for field/attribute size. Value: {s}. {s} is less than the minimum of 1");
        RuleFor(v => v.Size).LessThanOrEqualTo(Rules.MaxSizeGb)
            .WithMessage((_, s) => $"Invalid input for field/attribute size. Value: {s}. {s} is greater than the maximum of {Rules.MaxSizeGb}");
        RuleFor(v => v.EffectiveName).IsName("name");
        RuleFor(v => v.EffectiveDescription).Must(d => d is null || d.Length <= 65535)
            .WithMessage("Invalid input for field/attribute description. It is too long.");
        RuleFor(v => v.Metadata).IsMetadata();
        RuleFor(v => v.SnapshotId).IsUuid("snapshot_id");
        RuleFor(v => v.SourceVolid).IsUuid("source_volid");
        RuleFor(v => v).Must(v => v.SnapshotId is null || v.SourceVolid is null)
            .WithMessage("Invalid input received: only one of snapshot_id and source_volid may be given.");
        RuleFor(v => v.EffectiveImage).Null()
            .WithMessage("Invalid input received: creating a volume from an image (imageRef) is not available yet in this BlockStore release.");
        RuleFor(v => v.BackupId).Null().WithMessage("Invalid input received: restoring from a backup (backup_id) is not supported.");
        RuleFor(v => v.ConsistencygroupId).Null().WithMessage("Invalid input received: consistency groups are not supported.");
        RuleFor(v => v.GroupId).Null().WithMessage("Invalid input received: groups are not supported.");
        RuleFor(v => v.Multiattach).NotEqual(true).WithMessage("Invalid input received: multiattach volumes are not supported.");
    }
}

public sealed class UpdateVolumeBodyValidator : AbstractValidator<UpdateVolumeBody>
{
    public UpdateVolumeBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Volume).NotNull().WithMessage("Missing required element 'volume' in request body.");
        RuleFor(b => b.Volume!.Name ?? b.Volume.DisplayName).IsName("name").When(b => b.Volume is not null);
        RuleFor(b => b.Volume!.Metadata).IsMetadata().When(b => b.Volume is not null);
    }
}

public sealed class MetadataBodyValidator : AbstractValidator<MetadataBody>
{
    public MetadataBodyValidator()
    {
        RuleFor(b => b.Metadata).NotNull().WithMessage("Malformed request body: 'metadata' is required.");
        RuleFor(b => b.Metadata).IsMetadata();
    }
}

public sealed class MetaItemBodyValidator : AbstractValidator<MetaItemBody>
{
    public MetaItemBodyValidator()
    {
        RuleFor(b => b.Meta).NotNull().Must(m => m!.Count == 1)
            .WithMessage("Malformed request body: 'meta' must hold exactly one key.");
        RuleFor(b => b.Meta).IsMetadata();
    }
}
