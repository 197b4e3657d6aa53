using System.Text.Json;
using BlockStore.Api.Infrastructure;
using BlockStore.Api.Volumes;
using FluentValidation;

namespace BlockStore.Api.Snapshots;

public sealed class ManageSnapshotBody : OpenBody
{
    public ManageSnapshotRequest? Snapshot { get; set; }
}

/// <summary>Cinder's <c>snapshot_manage.create</c> schema: <c>volume_id</c> and <c>ref</c> are required.</summary>
public sealed class ManageSnapshotRequest : OpenBody
{
    public string? VolumeId { get; set; }
    /// <summary>The backend's reference to the snapshot on the volume's storage: <c>{"source-name": "&lt;snapshot&gt;"}</c>, or the name alone.</summary>
    public JsonElement Ref { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }

    /// <summary>The snapshot's name on the volume's storage (<see cref="ManageReference.SourceName"/>).</summary>
    public string SourceName() => ManageReference.SourceName(Ref, "snapshot");
}

public sealed class ManageSnapshotBodyValidator : AbstractValidator<ManageSnapshotBody>
{
    public ManageSnapshotBodyValidator()
    {
        this.NoUnknownMembers();
        RuleFor(b => b.Snapshot).NotNull().WithMessage("Invalid input for field/attribute snapshot. Value: None. None is not of type 'object'")
            .SetValidator(new ManageSnapshotRequestValidator()!);
    }
}

public sealed class ManageSnapshotRequestValidator : AbstractValidator<ManageSnapshotRequest>
{
    public ManageSnapshotRequestValidator()
    {
        this.NoUnknownMembers();
        RuleFor(s => s.VolumeId).NotNull().WithMessage("'volume_id' is a required property");
        RuleFor(s => s.VolumeId).IsUuid("volume_id");
        RuleFor(s => s.Ref.ValueKind).IsReference(s => s.Ref);
        RuleFor(s => s.Name).IsName("name");
        RuleFor(s => s.Description).IsDescription(255);
        RuleFor(s => s.Metadata).IsMetadata();
    }
}
