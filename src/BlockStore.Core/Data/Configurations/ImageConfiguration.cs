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

internal sealed class ImageMemberConfiguration : IEntityTypeConfiguration<ImageMember>
{
    public void Configure(EntityTypeBuilder<ImageMember> b)
    {
        b.ToTable("image_members");
        b.HasKey(m => new { m.ImageId, m.MemberId });
        b.Property(m => m.MemberId).HasMaxLength(255);
        b.Property(m => m.Status).HasConversion(s => s.ToWire(), s => ImageMemberStatusNames.TryParse(s)!.Value).HasMaxLength(16);
        // Deleting an image takes its members with it.
        b.HasOne<Image>().WithMany().HasForeignKey(m => m.ImageId).OnDelete(DeleteBehavior.Cascade);
        // A member's lists look its memberships up by project.
        b.HasIndex(m => new { m.MemberId, m.Status });
    }
}
