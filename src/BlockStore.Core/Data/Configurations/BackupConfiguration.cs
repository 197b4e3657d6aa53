using BlockStore.Core.Backups;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BlockStore.Core.Data.Configurations;

internal sealed class BackupConfiguration : IEntityTypeConfiguration<Backup>
{
    public void Configure(EntityTypeBuilder<Backup> b)
    {
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).ValueGeneratedNever();
        b.Property(x => x.ProjectId).HasMaxLength(255);
        b.Property(x => x.UserId).HasMaxLength(255);
        b.Property(x => x.Name).HasMaxLength(255);
        b.Property(x => x.Container).HasMaxLength(255);
        b.Property(x => x.AvailabilityZone).HasMaxLength(255);
        b.Property(x => x.Status).HasConversion(s => VolumeStatusNames.SnakeCase(s.ToString()), s => Enum.Parse<BackupStatus>(s.Replace("_", ""), true))
            .HasMaxLength(32);
        b.Property(x => x.Metadata).AsJsonb();
        b.Property(x => x.VolumeMetadata).AsJsonb();
        b.Property(x => x.VolumeImageMetadata!).AsJsonb();
        b.Property(x => x.Version).IsRowVersion();
        b.Ignore(x => x.StoreName);
        // No foreign key to the volume: a backup outlives the volume it was taken of, as in Cinder.
        b.HasIndex(x => new { x.ProjectId, x.CreatedAt, x.Id }).IsDescending(false, true, true);
        b.HasIndex(x => new { x.Status, x.StatusChangedAt });
        b.HasIndex(x => x.VolumeId);
    }
}
