using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;
using FluentValidation;

namespace BlockStore.Api.Snapshots;

public sealed class CreateSnapshotBody : OpenBody
{
    public CreateSnapshotRequest? Snapshot { get; set; }
}

public sealed class CreateSnapshotRequest : OpenBody
{
    public string? VolumeId { get; set; }
    public string? Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? Force { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }

    public string? EffectiveName => Name ?? DisplayName;
}

public sealed class UpdateSnapshotBody : OpenBody
{
    public UpdateSnapshotRequest? Snapshot { get; set; }
}

public sealed class UpdateSnapshotRequest : OpenBody
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? DisplayName { get; set; }
    public string? DisplayDescription { get; set; }

    public string? EffectiveName => Name ?? DisplayName;
    public string? EffectiveDescription => Description ?? DisplayDescription;
}

/// <summary>Cinder's snapshot schemas refuse unknown members at every microversion.</summary>
public sealed class CreateSnapshotBodyValidator : AbstractValidator<CreateSnapshotBody>
{
    public CreateSnapshotBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Snapshot).NotNull().WithMessage(Rules.Malformed).SetValidator(new CreateSnapshotRequestValidator()!);
    }
}

public sealed class CreateSnapshotRequestValidator : AbstractValidator<CreateSnapshotRequest>
{
    public CreateSnapshotRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(s => s.VolumeId).NotNull().WithMessage("Invalid input for field/attribute snapshot. 'volume_id' is a required property");
        RuleFor(s => s.VolumeId).IsUuid("volume_id");
        RuleFor(s => s.Name).IsName("name");
        RuleFor(s => s.DisplayName).IsName("display_name");
        RuleFor(s => s.Description).IsDescription(255);
        RuleFor(s => s.Metadata).IsMetadata();
    }
}

public sealed class UpdateSnapshotBodyValidator : AbstractValidator<UpdateSnapshotBody>
{
    public UpdateSnapshotBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Snapshot).NotNull().WithMessage(Rules.Malformed).SetValidator(new UpdateSnapshotRequestValidator()!);
    }
}

public sealed class UpdateSnapshotRequestValidator : AbstractValidator<UpdateSnapshotRequest>
{
    public UpdateSnapshotRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(s => s).Must(s => s.EffectiveName is not null || s.EffectiveDescription is not null)
            .WithMessage("Invalid input for field/attribute snapshot. One of name, description, display_name or display_description is required.");
        RuleFor(s => s.EffectiveName).IsName("name");
        RuleFor(s => s.EffectiveDescription).IsDescription(255);
    }
}
