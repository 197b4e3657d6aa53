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

    /// <summary>The storage's name in its backend (<see cref="ManageReference.SourceName"/>).</summary>
    public string SourceName() => ManageReference.SourceName(Ref, "volume");
}

/// <summary>The <c>ref</c> of a manage request: <c>{"source-name": "&lt;name&gt;"}</c>, or the name alone.</summary>
public static class ManageReference
{
    /// <summary>
    /// The name in <paramref name="reference"/>. Refused with Cinder's <c>ManageExistingInvalidReference</c> wording
    /// (for a <paramref name="what"/>), before anything is written, when it has none: Cinder's RBD driver takes
    /// <c>source-name</c> only.
    /// </summary>
    public static string SourceName(JsonElement reference, string what)
    {
        var name = reference.ValueKind switch
        {
            JsonValueKind.String => reference.GetString(),
            JsonValueKind.Object when reference.TryGetProperty("source-name", out var n) && n.ValueKind == JsonValueKind.String => n.GetString(),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(name))
            throw InvalidRequestException.InvalidManageReference(what, reference.GetRawText(), "Reference must contain source-name element.");
        if (name.Length > 255) throw new InvalidRequestException("Invalid input received: source-name is longer than 255 characters.");
        return name;
    }

    /// <summary>Cinder's schema for <c>ref</c>: required, an object or a string.</summary>
    public static void IsReference<T>(this IRuleBuilder<T, JsonValueKind> rule, Func<T, JsonElement> reference) =>
        rule.Must(k => k is JsonValueKind.Object or JsonValueKind.String)
            .WithMessage(v => reference(v).ValueKind == JsonValueKind.Undefined
                ? "'ref' is a required property"
                : $"Invalid input for field/attribute ref. Value: {reference(v).GetRawText()}. {reference(v).GetRawText()} is not of type 'object', 'string'");
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
        RuleFor(v => v.Ref.ValueKind).IsReference(v => v.Ref);
        RuleFor(v => v.Cluster).Null().When((_, ctx) => !Rules.VersionOf(ctx).AtLeast(16)).WithMessage(Rules.Unexpected("cluster"));
        RuleFor(v => v.Host).IsName("host");
        RuleFor(v => v.Name).IsName("name");
        RuleFor(v => v.Description).IsDescription(255);
        RuleFor(v => v.VolumeType).IsName("volume_type");
        RuleFor(v => v.AvailabilityZone).IsName("availability_zone");
        RuleFor(v => v.Metadata).IsMetadata();
    }
}
