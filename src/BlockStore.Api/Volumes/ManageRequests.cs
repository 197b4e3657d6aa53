using System.Text.Json;
using System.Text.Json.Serialization;
using BlockStore.Api.Infrastructure;
using BlockStore.Core.Errors;
using FluentValidation;

namespace BlockStore.Api.Volumes;

public sealed class ManageVolumeBody : OpenBody
{
    public ManageVolumeRequest? Volume { get; set; }
}

/// <summary>Cinder's <c>volume_manage_create</c> schema: <c>ref</c> is required, and so is one of <c>host</c> and <c>cluster</c>.</summary>
public sealed class ManageVolumeRequest : OpenBody
{
    public string? Host { get; set; }
    /// <summary>3.16: a cluster instead of a host. BlockStore has no clusters, so one named is never found.</summary>
    public string? Cluster { get; set; }
    /// <summary>The backend's reference to the storage: <c>{"source-name": "&lt;image&gt;"}</c>, or the name alone.</summary>
    public JsonElement Ref { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? VolumeType { get; set; }
    public string? AvailabilityZone { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    [JsonConverter(typeof(CinderBoolConverter))] public bool? Bootable { get; set; }

    /// <summary>
    /// The storage's name in its backend. Refused with Cinder's <c>ManageExistingInvalidReference</c> wording, before
    /// anything is written, when the reference has none: Cinder's RBD driver takes <c>source-name</c> only.
    /// </summary>
    public string SourceName()
    {
        var name = Ref.ValueKind switch
        {
            JsonValueKind.String => Ref.GetString(),
            JsonValueKind.Object when Ref.TryGetProperty("source-name", out var n) && n.ValueKind == JsonValueKind.String => n.GetString(),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(name))
            throw new InvalidRequestException(
                $"Manage existing volume failed due to invalid backend reference {Ref.GetRawText()}: Reference must contain source-name element.");
        return name;
    }
}

public sealed class ManageVolumeBodyValidator : AbstractValidator<ManageVolumeBody>
{
    public ManageVolumeBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Volume).NotNull().WithMessage("Invalid input for field/attribute volume. Value: None. None is not of type 'object'")
            .SetValidator(new ManageVolumeRequestValidator()!);
    }
}

public sealed class ManageVolumeRequestValidator : AbstractValidator<ManageVolumeRequest>
{
    public ManageVolumeRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(v => v.Ref.ValueKind).Must(k => k is JsonValueKind.Object or JsonValueKind.String)
            .WithMessage(v => v.Ref.ValueKind == JsonValueKind.Undefined
                ? "'ref' is a required property"
                : $"Invalid input for field/attribute ref. Value: {v.Ref.GetRawText()}. {v.Ref.GetRawText()} is not of type 'object', 'string'");
        RuleFor(v => v.Cluster).Null().When((_, ctx) => !Rules.VersionOf(ctx).AtLeast(16)).WithMessage(Rules.Unexpected("cluster"));
        RuleFor(v => v.Host).IsName("host");
        RuleFor(v => v.Name).IsName("name");
        RuleFor(v => v.Description).IsDescription(255);
        RuleFor(v => v.VolumeType).IsName("volume_type");
        RuleFor(v => v.AvailabilityZone).IsName("availability_zone");
        RuleFor(v => v.Metadata).IsMetadata();
    }
}
