using BlockStore.Core.Jobs;
using BlockStore.Core.Messages;
using BlockStore.Core.Outbox;
using BlockStore.Core.Quotas;
using BlockStore.Core.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace BlockStore.Core.Data.Configurations;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("outbox");
        b.HasKey(m => m.Id);
        b.Property(m => m.Id).UseIdentityAlwaysColumn();
        // The program always sends its own id; the column's default serves rows written otherwise (by SQL, or by a
        // build from before the column during a rolling upgrade).
        b.Property(m => m.MessageId).HasDefaultValueSql("gen_random_uuid()").ValueGeneratedNever();
        b.Property(m => m.MessageType).HasMaxLength(255);
        b.Property(m => m.Body).HasColumnType("jsonb");
    }
}

internal sealed class UserMessageConfiguration : IEntityTypeConfiguration<UserMessage>
{
    public void Configure(EntityTypeBuilder<UserMessage> b)
    {
        b.ToTable("messages");
        b.HasKey(m => m.Id);
        b.Property(m => m.Id).ValueGeneratedNever();
        b.HasIndex(m => new { m.ProjectId, m.CreatedAt });
    }
}

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> b)
    {
        b.HasKey(j => j.Id);
        b.Property(j => j.Id).ValueGeneratedNever();
        b.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
        b.Property(j => j.Checkpoint).HasColumnType("jsonb");
        b.Property(j => j.Version).IsRowVersion();
        b.HasIndex(j => new { j.State, j.HeartbeatAt });
        b.HasIndex(j => j.VolumeId);
    }
}

internal sealed class QuotaConfiguration : IEntityTypeConfiguration<QuotaLimit>, IEntityTypeConfiguration<QuotaUsage>
{
    public void Configure(EntityTypeBuilder<QuotaLimit> b) => b.HasKey(q => new { q.ProjectId, q.Resource });

    public void Configure(EntityTypeBuilder<QuotaUsage> b) => b.HasKey(q => new { q.ProjectId, q.Resource });
}

internal sealed class ServiceRecordConfiguration : IEntityTypeConfiguration<ServiceRecord>
{
    public void Configure(EntityTypeBuilder<ServiceRecord> b)
    {
        b.ToTable("services");
        b.HasKey(s => new { s.Host, s.Binary });
        b.Property(s => s.Host).HasMaxLength(255);
        // "binary" is a keyword in PostgreSQL; the column gets a name that needs no quoting in hand-written SQL.
        b.Property(s => s.Binary).HasColumnName("binary_name").HasMaxLength(64);
        b.Property(s => s.Zone).HasMaxLength(255);
        b.Property(s => s.DisabledReason).HasMaxLength(255);
        b.Property(s => s.LogLevels).HasColumnType("jsonb");
        b.Ignore(s => s.Backend);
    }
}

internal sealed class LogLevelRequestConfiguration : IEntityTypeConfiguration<LogLevelRequest>
{
    public void Configure(EntityTypeBuilder<LogLevelRequest> b)
    {
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).UseIdentityAlwaysColumn();
        b.Property(r => r.Host).HasMaxLength(255);
        b.Property(r => r.Binary).HasColumnName("binary_name").HasMaxLength(64);
        b.Property(r => r.Prefix).HasMaxLength(255);
        b.Property(r => r.Level).HasMaxLength(16);
    }
}

internal sealed class VolumeTransferConfiguration : IEntityTypeConfiguration<BlockStore.Core.Volumes.VolumeTransfer>
{
    public void Configure(EntityTypeBuilder<BlockStore.Core.Volumes.VolumeTransfer> b)
    {
        b.HasKey(t => t.Id);
        b.Property(t => t.Id).ValueGeneratedNever();
        b.Property(t => t.SourceProjectId).HasMaxLength(255);
        b.Property(t => t.Name).HasMaxLength(255);
        b.Property(t => t.Salt).HasMaxLength(16);
        b.Property(t => t.KeyHash).HasMaxLength(64);
        // One open transfer per volume: a second offer of the same volume fails on this, whatever raced it.
        b.HasIndex(t => t.VolumeId).IsUnique();
        b.HasIndex(t => new { t.SourceProjectId, t.CreatedAt });
        b.HasOne<BlockStore.Core.Volumes.Volume>().WithMany().HasForeignKey(t => t.VolumeId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AttachmentConfiguration : IEntityTypeConfiguration<BlockStore.Core.Attachments.Attachment>
{
    public void Configure(EntityTypeBuilder<BlockStore.Core.Attachments.Attachment> b)
    {
        b.HasKey(a => a.Id);
        b.Property(a => a.Id).ValueGeneratedNever();
        b.Property(a => a.ProjectId).HasMaxLength(255);
        b.Property(a => a.Status).HasMaxLength(32);
        b.Property(a => a.AttachMode).HasMaxLength(8);
        b.Property(a => a.Connector).HasColumnType("jsonb");
        b.Property(a => a.ConnectionInfo).HasColumnType("jsonb");
        b.Property(a => a.AttachedHost).HasMaxLength(255);
        b.Property(a => a.Mountpoint).HasMaxLength(255);
        b.Property(a => a.Version).IsRowVersion();
        b.HasIndex(a => a.VolumeId);
        b.HasIndex(a => new { a.ProjectId, a.CreatedAt });
        // A volume's row goes only once nothing is attached; its attachments go with it (a force-deleted reservation).
        b.HasOne<BlockStore.Core.Volumes.Volume>().WithMany().HasForeignKey(a => a.VolumeId).OnDelete(DeleteBehavior.Cascade);
    }
}
