using System.Text.Json;
using BlockStore.Contracts;
using BlockStore.Core.Attachments;
using BlockStore.Core.Backups;
using BlockStore.Core.Images;
using BlockStore.Core.Jobs;
using BlockStore.Core.Messages;
using BlockStore.Core.Outbox;
using BlockStore.Core.Quotas;
using BlockStore.Core.Services;
using BlockStore.Core.Snapshots;
using BlockStore.Core.Types;
using BlockStore.Core.Volumes;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Core.Data;

/// <summary>The one database context; used directly, without a repository layer in between.</summary>
public sealed class BlockStoreDbContext(DbContextOptions<BlockStoreDbContext> options) : DbContext(options)
{
    public const string Schema = "blockstore";

    /// <summary>The channel the outbox trigger notifies; the dispatcher listens on it.</summary>
    public const string OutboxChannel = "blockstore_outbox";

    internal static readonly JsonSerializerOptions MessageJson = new(JsonSerializerDefaults.Web);

    public DbSet<Volume> Volumes => Set<Volume>();
    public DbSet<Snapshot> Snapshots => Set<Snapshot>();
    public DbSet<Backup> Backups => Set<Backup>();
    public DbSet<VolumeTransfer> VolumeTransfers => Set<VolumeTransfer>();
    public DbSet<VolumeType> VolumeTypes => Set<VolumeType>();
    public DbSet<VolumeTypeAccess> VolumeTypeAccess => Set<VolumeTypeAccess>();
    public DbSet<ProjectDefaultType> ProjectDefaultTypes => Set<ProjectDefaultType>();
    public DbSet<QosSpecs> QosSpecs => Set<QosSpecs>();
    public DbSet<UserMessage> UserMessages => Set<UserMessage>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<Image> Images => Set<Image>();
    public DbSet<ImageMember> ImageMembers => Set<ImageMember>();
    public DbSet<QuotaLimit> QuotaLimits => Set<QuotaLimit>();
    public DbSet<QuotaUsage> QuotaUsages => Set<QuotaUsage>();
    public DbSet<ServiceRecord> Services => Set<ServiceRecord>();
    public DbSet<LogLevelRequest> LogLevelRequests => Set<LogLevelRequest>();
    public DbSet<Attachment> Attachments => Set<Attachment>();
    public DbSet<ManageableImage> ManageableImages => Set<ManageableImage>();
    public DbSet<ForeignSnapshot> ForeignSnapshots => Set<ForeignSnapshot>();

    /// <summary>
    /// Queue a message for the bus. It is written with the next <c>SaveChanges</c>, in the same
    /// transaction as the entity change it belongs to; nothing is sent before that commits.
    /// </summary>
    public void Enqueue<T>(T message, DateTime now) where T : class => OutboxMessages.Add(OutboxRow(message, now));

    /// <summary>The outbox row that carries <paramref name="message"/>.</summary>
    internal static OutboxMessage OutboxRow<T>(T message, DateTime now) where T : class =>
        OutboxMessage.For(message, JsonSerializer.Serialize(message, MessageJson), now);

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        EnqueueStatusChanges();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        EnqueueStatusChanges();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// Every change of a tracked volume's status, whoever made it (an API action, a worker, the reconciler), goes out as
    /// <see cref="VolumeStatusChanged"/> in the same commit, stamped with the volume's <c>StatusChangedAt</c>. A new row is
    /// no change (<see cref="VolumeCreated"/> follows when it is available), and the worker that removes a deleted
    /// volume's row says <c>deleted</c> itself, with <see cref="VolumeDeleted"/>.
    /// </summary>
    private void EnqueueStatusChanges()
    {
        List<VolumeStatusChanged>? changes = null;
        foreach (var entry in ChangeTracker.Entries<Volume>()) // detects changes first, as SaveChanges would
        {
            if (entry.State != EntityState.Modified) continue;
            var status = entry.Property(v => v.Status);
            if (!status.IsModified || status.OriginalValue == status.CurrentValue) continue;
            var volume = entry.Entity;
            (changes ??= []).Add(new VolumeStatusChanged(volume.Id, volume.ProjectId, status.OriginalValue.ToWire(), volume.Status.ToWire(),
                volume.StatusChangedAt));
        }
        foreach (var change in changes ?? []) Enqueue(change, change.At);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BlockStoreDbContext).Assembly);
    }
}
