using BlockStore.Core.Snapshots;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BlockStore.Core.Data.Configurations;

internal sealed class SnapshotConfiguration : IEntityTypeConfiguration<Snapshot>
{
    public void Configure(EntityTypeBuilder<Snapshot> b)
    {
        b.HasKey(s => s.Id);
        b.Property(s => s.Id).ValueGeneratedNever();
        b.Property(s => s.ProjectId).HasMaxLength(255);
        b.Property(s => s.UserId).HasMaxLength(255);
        b.Property(s => s.Name).HasMaxLength(255);
        b.Property(s => s.Status).HasConversion(s => VolumeStatusNames.SnakeCase(s.ToString()), s => Enum.Parse<SnapshotStatus>(s.Replace("_", ""), true)).HasMaxLength(32);
        b.Property(s => s.Metadata).AsJsonb();
        b.Property(s => s.ImageMetadata!).AsJsonb();
        b.Property(s => s.Version).IsRowVersion();
        b.Ignore(s => s.BackendName);
        // No FK cascade: a volume row must outlive its snapshots, and deletes are ordered by the worker.
        b.HasOne<Volume>().WithMany().HasForeignKey(s => s.VolumeId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(s => new { s.ProjectId, s.CreatedAt, s.Id }).IsDescending(false, true, true);
        b.HasIndex(s => new { s.Status, s.StatusChangedAt });
        b.Property(s => s.ManagingFrom).HasMaxLength(255);
        // One snapshot at a time adopts a given backend snapshot of a volume. Partial, so it serves no lookup by volume:
        // the foreign key keeps its own index.
        b.HasIndex(s => new { s.VolumeId, s.ManagingFrom }).IsUnique().HasFilter("managing_from IS NOT NULL");
        b.HasIndex(s => s.VolumeId);
    }
}

internal sealed class ForeignSnapshotConfiguration : IEntityTypeConfiguration<ForeignSnapshot>
{
    public void Configure(EntityTypeBuilder<ForeignSnapshot> b)
    {
        // Names are RBD's, of any length: each one must keep its volume from being deleted, manageable by name or not.
        b.HasKey(s => new { s.VolumeId, s.Name });
        b.Property(s => s.Backend).HasMaxLength(255);
        b.HasIndex(s => s.Backend);
        b.Ignore(s => s.SizeGb);
    }
}
