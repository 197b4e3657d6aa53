using System.Text.Json;

namespace BlockStore.Core.Jobs;

/// <summary>
/// What a migration job moves where, and how far it has come: the job row's checkpoint. The API writes the
/// first one; every worker step commits the next.
/// </summary>
/// <param name="Source">The backend the volume is on.</param>
/// <param name="Destination">The backend it moves to.</param>
/// <param name="NewTypeId">The type it takes at switch-over (a retype), or null (<c>os-migrate_volume</c>).</param>
/// <param name="ForceHostCopy">Copy through the worker even where a server-side copy is possible.</param>
/// <param name="Offset">Below this offset the destination holds the source, flushed and verified.</param>
/// <param name="SwitchedOver">The volume row points at the destination; only the source's removal is left.</param>
/// <param name="Multiattach">Whether the volume is multiattach after the switch-over (its new type's, or as it was): the
/// destination is made shared before it. Absent from plans written before multiattach volumes could move, which were of
/// volumes that were not.</param>
public sealed record MigrationPlan(
    string Source, string Destination, Guid? NewTypeId, bool ForceHostCopy, long Offset = 0, bool SwitchedOver = false, bool Multiattach = false)
{
    public const string Kind = "migrate";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static MigrationPlan FromJson(string? json) =>
        JsonSerializer.Deserialize<MigrationPlan>(json ?? "null", Json) ?? throw new InvalidOperationException("A migration job has no plan.");
}
