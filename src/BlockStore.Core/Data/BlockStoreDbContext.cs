using System.Text.Json;
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
    public DbSet<VolumeTransfer> VolumeTransfers => Set<VolumeTransfer>();
    public DbSet<VolumeType> VolumeTypes => Set<VolumeType>();
    public DbSet<VolumeTypeAccess> VolumeTypeAccess => Set<VolumeTypeAccess>();
    public DbSet<UserMessage> UserMessages => Set<UserMessage>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<Image> Images => Set<Image>();
    public DbSet<QuotaLimit> QuotaLimits => Set<QuotaLimit>();
    public DbSet<QuotaUsage> QuotaUsages => Set<QuotaUsage>();
    public DbSet<ServiceRecord> Services => Set<ServiceRecord>();

    /// <summary>
    /// Queue a message for the bus. It is written with the next <c>SaveChanges</c>, in the same
    /// transaction as the entity change it belongs to; nothing is sent before that commits.
    /// </summary>
    public void Enqueue<T>(T message, DateTime now) where T : class => OutboxMessages.Add(OutboxRow(message, now));

    /// <summary>The outbox row that carries <paramref name="message"/>.</summary>
    internal static OutboxMessage OutboxRow<T>(T message, DateTime now) where T : class =>
        OutboxMessage.For(message, JsonSerializer.Serialize(message, MessageJson), now);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BlockStoreDbContext).Assembly);
    }
}
