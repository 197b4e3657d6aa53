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
        // Specs in use cannot go; a forced delete disassociates them first.
        b.HasOne<QosSpecs>().WithMany().HasForeignKey(t => t.QosSpecsId).OnDelete(DeleteBehavior.Restrict);
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

internal sealed class ProjectDefaultTypeConfiguration : IEntityTypeConfiguration<ProjectDefaultType>
{
    public void Configure(EntityTypeBuilder<ProjectDefaultType> b)
    {
        b.ToTable("project_default_types");
        b.HasKey(d => d.ProjectId);
        b.Property(d => d.ProjectId).HasMaxLength(255);
        // A type that is some project's default cannot be deleted; the API says so before the key would.
        b.HasOne<VolumeType>().WithMany().HasForeignKey(d => d.VolumeTypeId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class QosSpecsConfiguration : IEntityTypeConfiguration<QosSpecs>
{
    public void Configure(EntityTypeBuilder<QosSpecs> b)
    {
        b.ToTable("qos_specs");
        b.HasKey(q => q.Id);
        b.Property(q => q.Id).ValueGeneratedNever();
        b.Property(q => q.Name).HasMaxLength(255);
        b.HasIndex(q => q.Name).IsUnique();
        b.Property(q => q.Consumer).HasMaxLength(32);
        b.Property(q => q.Specs).AsJsonb();
    }
}
