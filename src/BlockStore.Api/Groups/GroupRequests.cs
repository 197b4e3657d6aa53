using BlockStore.Api.Infrastructure;
using FluentValidation;

namespace BlockStore.Api.Groups;

public sealed class CreateGroupBody : OpenBody
{
    public CreateGroupRequest? Group { get; set; }
}

/// <summary>Cinder's group create body (3.13).</summary>
public sealed class CreateGroupRequest : OpenBody
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? GroupType { get; set; }
    public List<string>? VolumeTypes { get; set; }
    public string? AvailabilityZone { get; set; }
}

public sealed class CreateGroupBodyValidator : AbstractValidator<CreateGroupBody>
{
    public CreateGroupBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Group).NotNull().WithMessage(Rules.Malformed).SetValidator(new CreateGroupRequestValidator()!);
    }
}

public sealed class CreateGroupRequestValidator : AbstractValidator<CreateGroupRequest>
{
    public CreateGroupRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.GroupType).NotEmpty().WithMessage("Invalid input for field/attribute group. 'group_type' is a required property");
        RuleFor(r => r.VolumeTypes).NotEmpty().WithMessage("Invalid input for field/attribute group. 'volume_types' is a required property");
        RuleFor(r => r.Name).IsName("name");
        RuleFor(r => r.Description).IsDescription(255);
    }
}
