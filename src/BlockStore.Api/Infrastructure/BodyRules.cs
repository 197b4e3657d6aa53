using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;

namespace BlockStore.Api.Infrastructure;

/// <summary>A request body that remembers the members its record does not know, so that they can be refused.</summary>
public abstract class OpenBody
{
    [JsonExtensionData] public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>Shared rules; each message follows Cinder's wording where clients depend on it.</summary>
public static class Rules
{
    /// <summary>Largest size accepted, in GiB (1 PiB): anything bigger is a typo, not a volume.</summary>
    public const int MaxSizeGb = 1024 * 1024;

    /// <summary>
    /// Cinder's schemas refuse members they do not know (<c>additionalProperties: false</c>). Volume
    /// bodies only do so from 3.53; before it they were ignored, so those validators pass 53.
    /// </summary>
    public static void NoUnknownMembers<T>(this AbstractValidator<T> v, int sinceMinor = 0) where T : OpenBody =>
        v.RuleFor(x => x.Unknown).Custom((unknown, ctx) =>
        {
            if (unknown is { Count: > 0 } && VersionOf(ctx).AtLeast(sinceMinor))
                ctx.AddFailure(Unexpected(unknown.Keys.First()));
        });

    public static Microversion VersionOf(IValidationContext ctx) =>
        ctx.RootContextData.TryGetValue(nameof(Microversion), out var v) && v is Microversion m ? m : Microversion.Min;

    public static IRuleBuilderOptions<T, Dictionary<string, string>?> IsMetadata<T>(this IRuleBuilder<T, Dictionary<string, string>?> rule,
        string field = "metadata") =>
        rule.Must(m => m is null || m.All(p => p.Key.Length is > 0 and <= 255 && p.Value is not null && p.Value.Length <= 255))
            .WithMessage($"Invalid input for field/attribute {field}. Keys must be 1 to 255 characters and values at most 255.");

    public static IRuleBuilderOptions<T, string?> IsUuid<T>(this IRuleBuilder<T, string?> rule, string field) =>
        rule.Must(s => s is null || Guid.TryParse(s, out _))
            .WithMessage((_, s) => NotUuid(field, s));

    public static IRuleBuilderOptions<T, string?> IsName<T>(this IRuleBuilder<T, string?> rule, string field) =>
        rule.Must(s => s is null || s.Length <= 255)
            .WithMessage($"Invalid input for field/attribute {field}. It is longer than 255 characters.");

    public static IRuleBuilderOptions<T, string?> IsDescription<T>(this IRuleBuilder<T, string?> rule, int maxLength = 65535) =>
        rule.Must(d => d is null || d.Length <= maxLength)
            .WithMessage($"Invalid input for field/attribute description. It is longer than {maxLength} characters.");

    /// <summary>Cinder's schema messages, for the rules above and for bodies checked outside a validator.</summary>
    public static string Unexpected(string member) => $"Additional properties are not allowed ('{member}' was unexpected)";

    public static string NotUuid(string field, object? value) => $"Invalid input for field/attribute {field}. Value: {value}. '{value}' is not a 'uuid'";

    public static string NotOneOf(string field, string value, string choices) =>
        $"Invalid input for field/attribute {field}. Value: {value}. '{value}' is not one of {choices}";

    public const string Modes = "['rw', 'ro']";

    /// <summary>Cinder's answer when the one required wrapper member (<c>volume</c>, <c>snapshot</c>…) is missing.</summary>
    public const string Malformed = "The server could not comply with the request since it is either malformed or otherwise incorrect.";
}

/// <summary>
/// Cinder's <c>parameter_types.boolean</c>: JSON booleans, and the strings oslo accepts for them
/// ("True", "yes", "1", "off", …). Anything else is a bad value for the field.
/// </summary>
public sealed class CinderBoolConverter : JsonConverter<bool?>
{
    private static readonly string[] Truthy = ["true", "1", "on", "yes", "y", "t"];
    private static readonly string[] Falsy = ["false", "0", "off", "no", "n", "f"];

    public override bool? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            case JsonTokenType.Null: return null;
            case JsonTokenType.String when Parse(reader.GetString()!) is { } parsed: return parsed;
        }
        throw new JsonException("Expected a boolean.");
    }

    /// <summary>The string forms; null when the text is none of them.</summary>
    public static bool? Parse(string text)
    {
        var s = text.ToLowerInvariant();
        return Truthy.Contains(s) ? true : Falsy.Contains(s) ? false : null;
    }

    public override void Write(Utf8JsonWriter writer, bool? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteBooleanValue(value.Value);
    }
}
