using BlockStore.Contracts;
using BlockStore.Core.Outbox;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace BlockStore.Core.Tests.Stack;

/// <summary>
/// The dispatcher against the real outbox table, with a bus that loses a confirm: RabbitMQ.Client 7.2 can leave a
/// publish waiting for ever after a broker restart, which no real broker reproduces on demand. The broker path itself
/// is covered by <see cref="BusRoundTripTests"/> and by the worker tests that stop RabbitMQ.
/// </summary>
[Collection(OutboxCollection.Name)]
public sealed class OutboxDispatcherTests
{
    [Fact]
    public async Task A_batch_whose_confirm_never_comes_is_rolled_back_and_published_again()
    {
        var id = Guid.NewGuid();
        var attempts = 0;
        var messageIds = new System.Collections.Concurrent.ConcurrentQueue<Guid?>();
        var delivered = new TaskCompletionSource<VolumeStatusChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bus = Substitute.For<IBus>();
        bus.Publish(Arg.Any<object>(), Arg.Any<Type>(), Arg.Any<IPipe<PublishContext>>(), Arg.Any<CancellationToken>()).Returns(async call =>
        {
            if (call.Arg<object>() is not VolumeStatusChanged message || message.VolumeId != id) return;
            messageIds.Enqueue(await MessageIdOf(call.Arg<IPipe<PublishContext>>()));
            if (Interlocked.Increment(ref attempts) == 1) await new TaskCompletionSource().Task; // never confirmed, never cancelled
            delivered.TrySetResult(message);
        });
        await using var db = await StackSettings.DbAsync();
        db.Enqueue(new VolumeStatusChanged(id, "core-tests", "creating", "available", DateTime.UtcNow), DateTime.UtcNow);
        await db.SaveChangesAsync();
        var rowMessageId = db.OutboxMessages.Local.Single(m => m.Body.Contains(id.ToString(), StringComparison.Ordinal)).MessageId;

        var options = Options.Create(new OutboxOptions { PublishTimeout = TimeSpan.FromSeconds(1), PollInterval = TimeSpan.FromMilliseconds(200) });
        var dispatcher = new OutboxDispatcher(bus, StackSettings.Configuration(), options, NullLogger<OutboxDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            (await delivered.Task.WaitAsync(TimeSpan.FromSeconds(30))).NewStatus.ShouldBe("available");
            attempts.ShouldBe(2);
            // Published again, under the same id: the row's own, so that consumers can drop the second copy.
            messageIds.ShouldBe([rowMessageId, rowMessageId]);
            rowMessageId.ShouldNotBe(Guid.Empty);
            var pattern = $"%{id}%";
            for (var i = 0; await RowsAsync(db, pattern) > 0; i++)
            {
                i.ShouldBeLessThan(100, "the row must be deleted once its publish is confirmed");
                await Task.Delay(100);
            }
        }
        finally
        {
            // Bounded: a dispatcher stuck on the lost confirm would never stop.
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await dispatcher.StopAsync(stopping.Token);
        }
    }

    [Fact]
    public async Task A_row_of_a_type_this_build_does_not_know_waits_for_one_that_does_and_the_others_go_on()
    {
        // As a newer API would write it during a rolling upgrade.
        var id = Guid.NewGuid();
        await ARowLeftInPlaceHoldsUpNothingAsync(id, $"BlockStore.Contracts.FromANewerApi{id:N}", $"{{\"volumeId\":\"{id}\"}}", id.ToString());
    }

    [Fact]
    public async Task A_row_whose_body_cannot_be_read_stays_and_does_not_hold_up_the_rows_after_it()
    {
        // A known type with a body that cannot be read as it (a contract changed under the row, or a row written by hand).
        var id = Guid.NewGuid();
        await ARowLeftInPlaceHoldsUpNothingAsync(id, typeof(VolumeStatusChanged).FullName!, $"{{\"volumeId\":\"not-a-uuid-{id}\"}}", $"not-a-uuid-{id}");
    }

    /// <summary>
    /// Writes a row the dispatcher cannot publish (<paramref name="type"/>, <paramref name="body"/>) and a good one after
    /// it, for volume <paramref name="id"/>: the good one must be published, and the other must neither be dropped nor
    /// hold it up. <paramref name="marker"/> is in the body of the first row only.
    /// </summary>
    private static async Task ARowLeftInPlaceHoldsUpNothingAsync(Guid id, string type, string body, string marker)
    {
        var delivered = new TaskCompletionSource<VolumeStatusChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bus = Substitute.For<IBus>();
        bus.Publish(Arg.Any<object>(), Arg.Any<Type>(), Arg.Any<IPipe<PublishContext>>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            if (call.Arg<object>() is VolumeStatusChanged message && message.VolumeId == id) delivered.TrySetResult(message);
            return Task.CompletedTask;
        });
        await using var db = await StackSettings.DbAsync();
        await db.Database.ExecuteSqlAsync($"INSERT INTO blockstore.outbox (message_type, body, created_at) VALUES ({type}, {body}::jsonb, now())");
        db.Enqueue(new VolumeStatusChanged(id, "core-tests", "creating", "available", DateTime.UtcNow), DateTime.UtcNow);
        await db.SaveChangesAsync();

        var options = Options.Create(new OutboxOptions { PollInterval = TimeSpan.FromMilliseconds(200) });
        var dispatcher = new OutboxDispatcher(bus, StackSettings.Configuration(), options, NullLogger<OutboxDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        var pattern = $"%{marker}%";
        try
        {
            (await delivered.Task.WaitAsync(TimeSpan.FromSeconds(30))).NewStatus.ShouldBe("available");
            await Task.Delay(500);
            (await db.Database.SqlQuery<int>(
                    $"SELECT count(*)::int AS \"Value\" FROM blockstore.outbox WHERE message_type = {type} AND body::text LIKE {pattern}").SingleAsync())
                .ShouldBe(1, "the row this build cannot publish stays, for an operator or a build that can");
        }
        finally
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await dispatcher.StopAsync(stopping.Token);
            await db.Database.ExecuteSqlAsync($"DELETE FROM blockstore.outbox WHERE message_type = {type} AND body::text LIKE {pattern}");
        }
    }

    private static Task<int> RowsAsync(Data.BlockStoreDbContext db, string pattern) =>
        db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM blockstore.outbox WHERE body::text LIKE {pattern}").SingleAsync();

    /// <summary>What the dispatcher's publish pipe sets on the message's context: its id.</summary>
    private static async Task<Guid?> MessageIdOf(IPipe<PublishContext> pipe)
    {
        var context = Substitute.For<PublishContext>();
        await pipe.Send(context);
        return context.MessageId;
    }
}

/// <summary>The tests that run an outbox dispatcher on the shared database: one at a time, so none claims another's rows.</summary>
[CollectionDefinition(Name)]
public sealed class OutboxCollection
{
    public const string Name = "outbox dispatchers on the real database";
}
