using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using BlockStore.Api.Infrastructure;
using FluentValidation;

namespace BlockStore.Api.Types;

public sealed class CreateTypeBody : OpenBody
{
    public CreateTypeRequest? VolumeType { get; set; }
}

public sealed class CreateTypeRequest : OpenBody
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    [JsonPropertyName("os-volume-type-access:is_public"), JsonConverter(typeof(CinderBoolConverter))]
    public bool? IsPublic { get; set; }
    public Dictionary<string, string>? ExtraSpecs { get; set; }
}

public sealed class UpdateTypeBody : OpenBody
{
    public UpdateTypeRequest? VolumeType { get; set; }
}

public sealed class UpdateTypeRequest : OpenBody
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? IsPublic { get; set; }
}

public sealed class ExtraSpecsBody : OpenBody
{
    public Dictionary<string, string>? ExtraSpecs { get; set; }
}

/// <summary>The body of <c>PUT …/extra_specs/{key}</c>: <c>{"key": "value"}</c>, exactly one pair.</summary>
public sealed class ExtraSpecItemBody : Dictionary<string, string>;

public static partial class TypeRules
{
    /// <summary>Keys of a type's extra specs at create (spaces and slashes allowed, as Cinder's schema says).</summary>
    [GeneratedRegex("^[a-zA-Z0-9-_:. /]{1,255}$")]
    public static partial Regex CreateKey();

    /// <summary>Keys set through <c>…/extra_specs</c>: no spaces.</summary>
    [GeneratedRegex("^[a-zA-Z0-9-_:.]{1,255}$")]
    public static partial Regex SpecKey();

    public static IRuleBuilderOptionsConditions<T, Dictionary<string, string>?> AreExtraSpecs<T>(
        this IRuleBuilder<T, Dictionary<string, string>?> rule, Regex keys) =>
        rule.Custom((specs, ctx) =>
        {
            foreach (var (key, value) in specs ?? [])
            {
                if (!keys.IsMatch(key))
                    ctx.AddFailure($"Invalid input for field/attribute extra_specs. {Rules.Unexpected(key)}");
                else if (value is null || value.Length > 255)
                    ctx.AddFailure($"Invalid input for field/attribute {key}. Value: {value}. It must be a string of at most 255 characters.");
            }
        });
}

public sealed class CreateTypeBodyValidator : AbstractValidator<CreateTypeBody>
{
    public CreateTypeBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.VolumeType).NotNull().WithMessage(Rules.Malformed).SetValidator(new CreateTypeRequestValidator()!);
    }
}

public sealed class CreateTypeRequestValidator : AbstractValidator<CreateTypeRequest>
{
    public CreateTypeRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(t => t.Name).Must(n => !string.IsNullOrWhiteSpace(n))
            .WithMessage("Invalid input for field/attribute name. The name is required and must not be blank.");
        RuleFor(t => t.Name).IsName("name");
        RuleFor(t => t.Description).IsDescription(255);
        RuleFor(t => t.ExtraSpecs).AreExtraSpecs(TypeRules.CreateKey());
    }
}

public sealed class UpdateTypeBodyValidator : AbstractValidator<UpdateTypeBody>
{
    public UpdateTypeBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.VolumeType).NotNull().WithMessage(Rules.Malformed).SetValidator(new UpdateTypeRequestValidator()!);
    }
}

public sealed class UpdateTypeRequestValidator : AbstractValidator<UpdateTypeRequest>
{
    public UpdateTypeRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(t => t).Must(t => t.Name is not null || t.Description is not null || t.IsPublic is not null)
            .WithMessage("Specify volume type name, description, is_public or a combination thereof.");
        RuleFor(t => t.Name).Must(n => n is null || n.Trim().Length > 0).WithMessage("Volume type name can not be empty.");
        RuleFor(t => t.Name).IsName("name");
        RuleFor(t => t.Description).IsDescription(255);
    }
}

public sealed class ExtraSpecsBodyValidator : AbstractValidator<ExtraSpecsBody>
{
    public ExtraSpecsBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.ExtraSpecs).NotNull().WithMessage("Invalid input for field/attribute extra_specs. 'extra_specs' is a required property");
        RuleFor(b => b.ExtraSpecs).AreExtraSpecs(TypeRules.SpecKey());
    }
}

public sealed class ExtraSpecItemBodyValidator : AbstractValidator<ExtraSpecItemBody>
{
    public ExtraSpecItemBodyValidator()
    {
        RuleFor(b => b.Count).Equal(1).WithMessage((_, n) => n == 0 ? "Request body empty" : "Request body contains too many items");
        RuleFor(b => (Dictionary<string, string>?)b).AreExtraSpecs(TypeRules.SpecKey());
    }
}
