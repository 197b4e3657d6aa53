using System.Text;
using RabbitMQ.Client;

namespace BlockStore.Api.Tests.Infrastructure;

/// <summary>
/// A private queue bound to the exchange MassTransit publishes one message type to, so a test can see
/// what really reached the broker after the outbox dispatcher ran. Compiled into the worker tests too.
/// </summary>
public sealed class BusProbe : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;

    private BusProbe(IConnection connection, IChannel channel, string queue) => (_connection, _channel, _queue) = (connection, channel, queue);

    /// <summary>Listens for a contract type; MassTransit names its exchange <c>Namespace:Type</c>.</summary>
    public static async Task<BusProbe> ListenAsync(Type messageType)
    {
        var factory = new ConnectionFactory { Uri = new Uri(Environment.GetEnvironmentVariable("RabbitMq__Uri")!) };
        var connection = await factory.CreateConnectionAsync("blockstore-api-tests");
        var channel = await connection.CreateChannelAsync();
        var exchange = $"{messageType.Namespace}:{messageType.Name}";
        // Declared as MassTransit declares it, so that whichever of us comes first, the other agrees.
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, exchange, "");
        return new BusProbe(connection, channel, queue.QueueName);
    }

    /// <summary>The first message body containing <paramref name="text"/>, or null when none came in time.</summary>
    public async Task<string?> WaitForAsync(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var got = await _channel.BasicGetAsync(_queue, autoAck: true);
            if (got is null)
            {
                await Task.Delay(50);
                continue;
            }
            var body = Encoding.UTF8.GetString(got.Body.Span);
            if (body.Contains(text, StringComparison.OrdinalIgnoreCase)) return body;
        }
        return null;
    }

    /// <summary>Every message body that arrived so far and contains <paramref name="text"/>, in arrival order.</summary>
    public async Task<List<string>> DrainAsync(string text)
    {
        var bodies = new List<string>();
        while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } got)
        {
            var body = Encoding.UTF8.GetString(got.Body.Span);
            if (body.Contains(text, StringComparison.OrdinalIgnoreCase)) bodies.Add(body);
        }
        return bodies;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
