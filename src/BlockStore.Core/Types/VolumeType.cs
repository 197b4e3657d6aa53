using BlockStore.Core.Errors;
using BlockStore.Core.Metadata;

namespace BlockStore.Core.Types;

/// <summary>A volume type. Its extra spec <see cref="BackendKey"/> selects the configured backend.</summary>
public sealed class VolumeType
{
    public const string BackendKey = "volume_backend_name";
    /// <summary>The extra spec that limits the type to some availability zones (a comma-separated list).</summary>
    public const string AvailabilityZonesKey = "RESKEY:availability_zones";
    /// <summary>Cinder's name for the type that exists from the start.</summary>
    public const string DefaultName = "__DEFAULT__";

    private VolumeType() { }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string? Description { get; private set; }
    public bool IsPublic { get; private set; } = true;
    public Dictionary<string, string> ExtraSpecs { get; private set; } = [];
    /// <summary>The QoS specs associated with the type (<c>qos-specs/{id}/associate</c>), whose front-end limits its volumes' consumers get.</summary>
    public Guid? QosSpecsId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? UpdatedAt { get; private set; }

    public string? BackendName => ExtraSpecs.GetValueOrDefault(BackendKey);

    /// <summary>The extra spec that makes a type's volumes multiattach, with <c>&lt;is&gt; True</c> as its value (Cinder's).</summary>
    public const string MultiattachKey = "multiattach";

    /// <summary>Whether the type's volumes may be attached to several consumers at once.</summary>
    public bool IsMultiattach => ExtraSpecs.GetValueOrDefault(MultiattachKey) == "<is> True";

    /// <summary>The zones <see cref="AvailabilityZonesKey"/> lists, or null when the type may be in any.</summary>
    public IReadOnlyList<string>? AvailabilityZones =>
        ExtraSpecs.TryGetValue(AvailabilityZonesKey, out var zones)
            ? zones.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : null;

    public static VolumeType Create(string name, string? description, bool isPublic, IDictionary<string, string>? extraSpecs, DateTime now, Guid? id = null) => new()
    {
        Id = id ?? Guid.CreateVersion7(now),
        Name = name,
        Description = description,
        IsPublic = isPublic,
        ExtraSpecs = extraSpecs is null ? [] : new Dictionary<string, string>(extraSpecs),
        CreatedAt = now,
    };

    public void Update(string? name, string? description, bool? isPublic, DateTime now)
    {
        if (name is not null) Name = name;
        if (description is not null) Description = description;
        if (isPublic is not null) IsPublic = isPublic.Value;
        UpdatedAt = now;
    }

    /// <summary>
    /// Associates the type with <paramref name="qosSpecsId"/>; associating it again with the same specs does nothing, and
    /// a type associated with other specs is refused with Cinder's message.
    /// </summary>
    public void AssociateQos(Guid qosSpecsId, DateTime now)
    {
        if (QosSpecsId == qosSpecsId) return;
        if (QosSpecsId is { } other)
            throw new InvalidRequestException($"Invalid volume type: Type {Id} is already associated with another qos specs: {other}");
        QosSpecsId = qosSpecsId;
        UpdatedAt = now;
    }

    public void DisassociateQos(DateTime now)
    {
        if (QosSpecsId is null) return;
        QosSpecsId = null;
        UpdatedAt = now;
    }

    public void SetExtraSpecs(IDictionary<string, string> specs, DateTime now)
    {
        ExtraSpecs = StringMap.Merge(ExtraSpecs, specs);
        UpdatedAt = now;
    }

    public bool RemoveExtraSpec(string key, DateTime now)
    {
        if (StringMap.Without(ExtraSpecs, key) is not { } rest) return false;
        ExtraSpecs = rest;
        UpdatedAt = now;
        return true;
    }
}
