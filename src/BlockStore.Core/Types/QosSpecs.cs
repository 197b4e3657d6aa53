using System.Globalization;
using BlockStore.Core.Errors;
using BlockStore.Core.Metadata;

namespace BlockStore.Core.Types;

/// <summary>
/// Cinder's QoS specs: named limits that volume types point to. Specs whose consumer is <c>front-end</c> or <c>both</c>
/// reach the consumer in the connection info (<c>data.qos_specs</c>), where the hypervisor applies them (libvirt's
/// iotune); <c>back-end</c> specs are kept for the record and applied by no BlockStore backend, as by Cinder's RBD
/// driver, whose pools report <c>QoS_support: false</c>.
/// </summary>
public sealed class QosSpecs
{
    public const string ConsumerKey = "consumer";
    public static readonly IReadOnlyList<string> Consumers = ["front-end", "back-end", "both"];

    /// <summary>The limits Cinder derives from a <c>…_per_gb</c> spec and the volume's size.</summary>
    private static readonly string[] Tunables =
        ["read_iops_sec", "read_bytes_sec", "write_iops_sec", "write_bytes_sec", "total_iops_sec", "total_bytes_sec"];

    private QosSpecs() { }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string Consumer { get; private set; } = "back-end";
    public Dictionary<string, string> Specs { get; private set; } = [];
    public DateTime CreatedAt { get; private set; }
    public DateTime? UpdatedAt { get; private set; }

    /// <summary>Specs with a <c>consumer</c> member take it as their consumer (<c>back-end</c> when absent), as in Cinder.</summary>
    public static QosSpecs Create(string name, IDictionary<string, string> specs, DateTime now)
    {
        var created = new QosSpecs { Id = Guid.CreateVersion7(now), Name = name, CreatedAt = now };
        created.Apply(specs);
        return created;
    }

    /// <summary>Adds or replaces specs; a <c>consumer</c> member changes the consumer.</summary>
    public void Set(IDictionary<string, string> specs, DateTime now)
    {
        Apply(specs);
        UpdatedAt = now;
    }

    /// <summary>Removes the keys, all or none: an absent one is Cinder's 404.</summary>
    public void RemoveKeys(IReadOnlyCollection<string> keys, DateTime now)
    {
        if (keys.FirstOrDefault(k => !Specs.ContainsKey(k)) is { } missing)
            throw new ResourceNotFoundException($"QoS spec {Id} has no spec with key {missing}.");
        var rest = new Dictionary<string, string>(Specs);
        foreach (var key in keys) rest.Remove(key);
        Specs = rest;
        UpdatedAt = now;
    }

    /// <summary>
    /// What a consumer gets in its connection info for a volume of <paramref name="sizeGb"/> GiB: null unless the consumer
    /// is <c>front-end</c> or <c>both</c>; a <c>total_iops_sec_per_gb</c>-style spec becomes <c>total_iops_sec</c>, the
    /// per-GiB value times the size, raised to its <c>…_per_gb_min</c> and capped at its <c>…_max</c>, as Cinder computes it.
    /// </summary>
    public Dictionary<string, string>? ForConsumer(int sizeGb)
    {
        if (Consumer is not ("front-end" or "both")) return null;
        var specs = new Dictionary<string, string>(Specs);
        foreach (var option in Tunables)
        {
            if (!specs.Remove($"{option}_per_gb", out var perGb)) continue;
            var minimum = specs.Remove($"{option}_per_gb_min", out var min) ? Number(min) : 0;
            var value = Math.Max(minimum, Number(perGb) * sizeGb);
            var maximum = specs.Remove($"{option}_max", out var max) ? Number(max) : value;
            specs[option] = Math.Min(value, maximum).ToString(CultureInfo.InvariantCulture);
        }
        return specs;
    }

    private static long Number(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private void Apply(IDictionary<string, string> specs)
    {
        var rest = new Dictionary<string, string>(specs);
        if (rest.Remove(ConsumerKey, out var consumer))
        {
            if (!Consumers.Contains(consumer))
                throw new InvalidRequestException($"Invalid qos specs: Valid consumer of QoS specs are: ['front-end', 'back-end', 'both']");
            Consumer = consumer;
        }
        Specs = StringMap.Merge(Specs, rest);
    }
}
