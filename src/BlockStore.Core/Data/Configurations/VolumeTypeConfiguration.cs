using BlockStore.Core.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BlockStore.Core.Data.Configurations;

internal sealed class VolumeTypeConfiguration : IEntityTypeConfiguration<VolumeType>
{
    /// <summary>Fixed id of the default type, seeded by the initial migration.</summary>
    public static readonly Guid DefaultTypeId = Guid.Parse("5f0c1a7e-0d1b-4b9e-9a53-3c4f6d2a9b10");

    public void Configure(EntityTypeBuilder<VolumeType> b)
    {
        b.HasKey(t => t.Id);
        b.Property(t => t.Id).ValueGeneratedNever();
        b.Property(t => t.Name).HasMaxLength(255);
        b.HasIndex(t => t.Name).IsUnique();
        b.Property(t => t.ExtraSpecs).AsJsonb();
        b.Ignore(t => t.BackendName);
        b.Ignore(t => t.AvailabilityZones);
    }
}

internal sealed class VolumeTypeAccessConfiguration : IEntityTypeConfiguration<VolumeTypeAccess>
{
    public void Configure(EntityTypeBuilder<VolumeTypeAccess> b)
    {
        b.ToTable("volume_type_access");
        b.HasKey(a => new { a.VolumeTypeId, a.ProjectId });
        b.Property(a => a.ProjectId).HasMaxLength(255);
        // Deleting a type takes its access list with it.
        b.HasOne<VolumeType>().WithMany().HasForeignKey(a => a.VolumeTypeId).OnDelete(DeleteBehavior.Cascade);
    }
}
