using System.Collections.Concurrent;
using BlockStore.Contracts;
using BlockStore.Core.Messaging;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BlockStore.Core.Tests.Stack;

/// <summary>Our MassTransit set-up (<see cref="BusSetup"/>) against the real RabbitMQ, with a consumer on a temporary queue.</summary>
[Collection(OutboxCollection.Name)]
public sealed class BusRoundTripTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(StackSettings.Configuration());
        services.AddBlockStoreBus(StackSettings.Configuration(), bus =>
        {
            bus.AddConsumer<ProbeConsumer>().Endpoint(e => e.Temporary = true);
            bus.AddConsumer<StatusConsumer>().Endpoint(e => e.Temporary = true);
        });
        // Start returns only once the temporary queues are declared and bound: a message published before
        // its queue is bound to the message type's exchange goes nowhere.
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
        });
        _services = services.BuildServiceProvider();
        (await StackSettings.DbAsync()).Dispose(); // the outbox table exists
        foreach (var hosted in _services.GetServices<IHostedService>()) await hosted.StartAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_message_published_on_the_bus_reaches_its_consumer_through_rabbitmq()
    {
        var id = Guid.NewGuid();
        var received = Received.Expect(id);
        await _services.GetRequiredService<IBus>().Publish(new CoreBusProbe(id, "hello"));
        (await received.Task.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe("hello");
    }

    [Fact]
    public async Task A_message_written_to_the_outbox_with_a_commit_is_published_and_consumed()
    {
        var id = Guid.NewGuid();
        var received = Received.Expect(id);
        Guid rowMessageId;
        await using (var db = await StackSettings.DbAsync())
        {
            db.Enqueue(new VolumeStatusChanged(id, "core-tests", "creating", "available", DateTime.UtcNow), DateTime.UtcNow);
            await db.SaveChangesAsync();
            rowMessageId = db.OutboxMessages.Local.Single().MessageId;
        }
        // The consumer sees the outbox row's own id as the message's id (docs/bus.md: deduplicate by messageId).
        (await received.Task.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe($"available {rowMessageId}");
    }

    public async Task DisposeAsync()
    {
        foreach (var hosted in _services.GetServices<IHostedService>().Reverse()) await hosted.StopAsync(CancellationToken.None);
        await _services.DisposeAsync();
    }

    private static class Received
    {
        private static readonly ConcurrentDictionary<Guid, TaskCompletionSource<string>> Waiting = new();

        public static TaskCompletionSource<string> Expect(Guid id) =>
            Waiting.GetOrAdd(id, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

        public static void Got(Guid id, string text)
        {
            if (Waiting.TryGetValue(id, out var waiting)) waiting.TrySetResult(text);
        }
    }

    private sealed class ProbeConsumer : IConsumer<CoreBusProbe>
    {
        public Task Consume(ConsumeContext<CoreBusProbe> context)
        {
            Received.Got(context.Message.Id, context.Message.Text);
            return Task.CompletedTask;
        }
    }

    private sealed class StatusConsumer : IConsumer<VolumeStatusChanged>
    {
        public Task Consume(ConsumeContext<VolumeStatusChanged> context)
        {
            Received.Got(context.Message.VolumeId, $"{context.Message.NewStatus} {context.MessageId}");
            return Task.CompletedTask;
        }
    }
}

/// <summary>A message of the tests' own, so that nothing else consumes it.</summary>
public sealed record CoreBusProbe(Guid Id, string Text);
