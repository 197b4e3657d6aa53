using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;
using FluentValidation;

namespace BlockStore.Api.Transfers;

public sealed class CreateTransferBody : OpenBody
{
    public CreateTransferRequest? Transfer { get; set; }
}

public sealed class CreateTransferRequest : OpenBody
{
    public string? VolumeId { get; set; }
    public string? Name { get; set; }
    /// <summary>3.55 (<c>/volume-transfers</c>): the snapshots stay behind.</summary>
    [JsonConverter(typeof(CinderBoolConverter))] public bool? NoSnapshots { get; set; }
}

public sealed class AcceptTransferBody : OpenBody
{
    public AcceptTransferRequest? Accept { get; set; }
}

public sealed class AcceptTransferRequest : OpenBody
{
    public string? AuthKey { get; set; }
}

/// <summary>Cinder's transfer schemas: <c>volume_id</c> a uuid, a name of at most 255, nothing else.</summary>
public sealed class CreateTransferBodyValidator : AbstractValidator<CreateTransferBody>
{
    public CreateTransferBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Transfer).NotNull().WithMessage(Rules.Malformed).SetValidator(new CreateTransferRequestValidator()!);
    }
}

public sealed class CreateTransferRequestValidator : AbstractValidator<CreateTransferRequest>
{
    public CreateTransferRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.VolumeId).NotNull().WithMessage("Invalid input for field/attribute transfer. 'volume_id' is a required property");
        RuleFor(r => r.VolumeId).IsUuid("volume_id");
        RuleFor(r => r.Name).IsName("name");
    }
}

public sealed class AcceptTransferBodyValidator : AbstractValidator<AcceptTransferBody>
{
    public AcceptTransferBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Accept).NotNull().WithMessage(Rules.Malformed).SetValidator(new AcceptTransferRequestValidator()!);
    }
}

public sealed class AcceptTransferRequestValidator : AbstractValidator<AcceptTransferRequest>
{
    public AcceptTransferRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.AuthKey).NotEmpty().WithMessage("Invalid input for field/attribute accept. 'auth_key' is a required property");
    }
}
