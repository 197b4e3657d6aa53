using System.Globalization;
using BlockStore.Core.Errors;
using BlockStore.Core.Metadata;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Core.Types;

/// <summary>
/// Cinder's QoS specs: named limits that volume types point to. Specs whose consumer is <c>front-end</c> or <c>both</c>
/// reach the consumer in the connection info (<c>data.qos_specs</c>), where the hypervisor applies them (libvirt's
/// iotune); those whose consumer is <c>back-end</c> or <c>both</c> are set on the volume's RBD image when it is made,
/// retyped or moved (<see cref="ForBackEnd"/>), where librbd applies them, as Cinder's RBD driver does.
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
    /// What the backend applies to a volume of a type with these specs: the specs themselves when the consumer is
    /// <c>back-end</c> or <c>both</c>, else none. The backend picks the keys it knows.
    /// </summary>
    public IReadOnlyDictionary<string, string> ForBackEnd() =>
        Consumer is "back-end" or "both" ? new Dictionary<string, string>(Specs) : NoSpecs;

    /// <summary>No limits.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoSpecs = new Dictionary<string, string>();

    /// <summary>
    /// The back-end specs of volume type <paramref name="typeId"/> (<see cref="ForBackEnd"/>), none when it has no QoS
    /// specs: one query.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> BackEndOfTypeAsync(Data.BlockStoreDbContext db, Guid typeId, CancellationToken ct)
    {
        var specs = await (from t in db.VolumeTypes
                           where t.Id == typeId
                           join q in db.QosSpecs on t.QosSpecsId equals q.Id
                           select q).AsNoTracking().FirstOrDefaultAsync(ct);
        return specs?.ForBackEnd() ?? NoSpecs;
    }

    /// <summary>Whether two sets of back-end specs hold the same keys and values.</summary>
    public static bool SameBackEnd(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

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
