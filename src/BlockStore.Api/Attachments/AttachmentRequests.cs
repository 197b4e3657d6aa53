using System.Text.Json;
using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;
using FluentValidation;

namespace BlockStore.Api.Attachments;

public sealed class CreateAttachmentBody : OpenBody
{
    public CreateAttachmentRequest? Attachment { get; set; }
}

public sealed class CreateAttachmentRequest : OpenBody
{
    public string? VolumeUuid { get; set; }
    /// <summary>The consumer: Nova's server id, or any uuid another consumer names itself by; optional.</summary>
    public string? InstanceUuid { get; set; }
    /// <summary>os-brick's connector properties; with it the attachment is connected at once (reserve and update in one).</summary>
    public JsonElement? Connector { get; set; }
    /// <summary>3.54: <c>rw</c> or <c>ro</c>.</summary>
    public string? Mode { get; set; }
}

public sealed class UpdateAttachmentBody : OpenBody
{
    public UpdateAttachmentRequest? Attachment { get; set; }
}

public sealed class UpdateAttachmentRequest : OpenBody
{
    public JsonElement? Connector { get; set; }
}

public sealed class AttachmentActionBody : OpenBody
{
    /// <summary>3.44: the consumer has connected; the value is ignored, as in Cinder.</summary>
    [JsonPropertyName("os-complete")] public JsonElement Complete { get; set; }
}

/// <summary>Cinder's attachment create schema: <c>volume_uuid</c> required, uuids, a connector object or null, and from 3.54 a mode.</summary>
public sealed class CreateAttachmentBodyValidator : AbstractValidator<CreateAttachmentBody>
{
    public CreateAttachmentBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Attachment).NotNull().WithMessage(Rules.Malformed).SetValidator(new CreateAttachmentRequestValidator()!);
    }
}

public sealed class CreateAttachmentRequestValidator : AbstractValidator<CreateAttachmentRequest>
{
    public CreateAttachmentRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.VolumeUuid).NotNull().WithMessage("Invalid input for field/attribute attachment. 'volume_uuid' is a required property");
        RuleFor(r => r.VolumeUuid).IsUuid("volume_uuid");
        RuleFor(r => r.InstanceUuid).IsUuid("instance_uuid");
        RuleFor(r => r.Connector).Must(c => c is null || c.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Null)
            .WithMessage(r => $"Invalid input for field/attribute connector. Value: {r.Connector}. It is not of type 'object', 'null'");
        RuleFor(r => r.Mode).Custom((mode, ctx) =>
        {
            if (mode is null) return;
            if (!Rules.VersionOf(ctx).AtLeast(54))
                ctx.AddFailure($"Invalid input for field/attribute attachment. {Rules.Unexpected("mode")}");
            else if (mode is not ("rw" or "ro"))
                ctx.AddFailure(Rules.NotOneOf("mode", mode, Rules.Modes));
        });
    }
}

/// <summary>Cinder's attachment update schema: a connector object with at least one member, nothing else.</summary>
public sealed class UpdateAttachmentBodyValidator : AbstractValidator<UpdateAttachmentBody>
{
    public UpdateAttachmentBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Attachment).NotNull().WithMessage(Rules.Malformed).SetValidator(new UpdateAttachmentRequestValidator()!);
    }
}

public sealed class UpdateAttachmentRequestValidator : AbstractValidator<UpdateAttachmentRequest>
{
    public UpdateAttachmentRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(r => r.Connector).Must(c => c is { ValueKind: JsonValueKind.Object } o && o.EnumerateObject().Any())
            .WithMessage("Invalid input for field/attribute attachment. 'connector' is a required property and must be an object with at least one member");
    }
}

public sealed class AttachmentActionBodyValidator : AbstractValidator<AttachmentActionBody>
{
    public AttachmentActionBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Complete).Must(c => c.ValueKind != JsonValueKind.Undefined).WithMessage("Invalid input for field/attribute os-complete. 'os-complete' is a required property");
    }
}
