using BlockStore.Core.Images;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BlockStore.Core.Data.Configurations;

internal sealed class ImageConfiguration : IEntityTypeConfiguration<Image>
{
    public void Configure(EntityTypeBuilder<Image> b)
    {
        b.HasKey(i => i.Id);
        b.Property(i => i.Id).ValueGeneratedNever();
        b.Property(i => i.ProjectId).HasMaxLength(255);
        b.Property(i => i.Name).HasMaxLength(255);
        b.Property(i => i.Status).HasConversion(s => s.ToWire(), s => ImageStatusNames.Parse(s)).HasMaxLength(16);
        b.Property(i => i.Visibility).HasConversion(v => v.ToString().ToLowerInvariant(), v => Enum.Parse<ImageVisibility>(v, true)).HasMaxLength(16);
        b.Property(i => i.DiskFormat).HasMaxLength(16);
        b.Property(i => i.ContainerFormat).HasMaxLength(16);
        b.Property(i => i.Checksum).HasMaxLength(32);
        b.Property(i => i.HashValue).HasMaxLength(128);
        b.Property(i => i.Properties).AsJsonb();
        b.Property(i => i.Tags).HasDefaultValueSql("'{}'::text[]");
        b.Property(i => i.Version).IsRowVersion();
        b.Ignore(i => i.BackendName);
        // Lists page by (created_at desc, id desc); the reconciler scans saving images by age.
        b.HasIndex(i => new { i.CreatedAt, i.Id }).IsDescending(true, true);
        b.HasIndex(i => new { i.Status, i.StatusChangedAt });
    }
}
