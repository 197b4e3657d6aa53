using System.Text.Json;
using System.Threading.Channels;
using BlockStore.Contracts;
using BlockStore.Core.Data;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BlockStore.Core.Outbox;

/// <summary>
/// Publishes outbox rows. Claims a batch with <c>FOR UPDATE SKIP LOCKED</c>, publishes every row and
/// waits for the broker's confirms, then deletes the rows in the same transaction. A crash between
/// publish and commit publishes those rows again: delivery is at-least-once, and consumers are
/// idempotent. Woken by LISTEN/NOTIFY (an insert trigger), with a poll as the fallback. A batch whose confirms do not
/// arrive within <see cref="OutboxOptions.PublishTimeout"/> is rolled back and retried, so no lost confirm holds rows.
/// A row whose body cannot be read is logged and skipped, never deleted, so that it holds up no other row.
/// </summary>
public sealed partial class OutboxDispatcher(IBus bus, IConfiguration configuration, IOptions<OutboxOptions> options,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    /// <summary>
    /// The message types this build can publish, by the name rows carry. A row of another type (written by a newer API
    /// during a rolling upgrade) is never claimed here: it waits in the table for a worker that knows it.
    /// </summary>
    private static readonly Dictionary<string, Type> Types = typeof(CreateVolume).Assembly.GetExportedTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.FullName is not null).ToDictionary(t => t.FullName!);
    private static readonly string[] TypeNames = [.. Types.Keys];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly OutboxOptions _options = options.Value;
    /// <summary>
    /// Rows of a known type whose body this build cannot read (a contract changed under a row, or a row written by
    /// hand). Each is logged once and then left out of the claims, in the table for an operator or a build that reads
    /// it: a row that can never be published must not hold up every row behind it.
    /// </summary>
    private readonly HashSet<long> _unreadable = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(DbSetup.ConnectionString(configuration));
        var listening = ListenAsync(dataSource, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var published = 0;
            try
            {
                published = await DispatchBatchAsync(dataSource, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogDispatchFailed(ex);
            }
            if (published < _options.BatchSize) await WaitForWorkAsync(stoppingToken);
        }
        await listening;
    }

    private async Task<int> DispatchBatchAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var rows = new List<(long Id, Guid MessageId, string Type, string Body)>();
        await using (var select = new NpgsqlCommand(
            "SELECT id, message_id, message_type, body::text FROM blockstore.outbox WHERE message_type = ANY(@types) AND NOT (id = ANY(@unreadable)) " +
            "ORDER BY id LIMIT @n FOR UPDATE SKIP LOCKED",
            conn, tx))
        {
            select.Parameters.AddWithValue("n", _options.BatchSize);
            select.Parameters.AddWithValue("types", TypeNames);
            select.Parameters.AddWithValue("unreadable", _unreadable.ToArray());
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3)));
        }
        if (rows.Count == 0) return 0;
        var messages = new List<(long Id, Guid MessageId, object Message, Type Type)>(rows.Count);
        foreach (var (id, messageId, typeName, body) in rows)
        {
            if (Read(id, typeName, body) is { } message) messages.Add((id, messageId, message, Types[typeName]));
        }
        if (messages.Count == 0) return rows.Count; // all unreadable: left out from now on, so claim again at once

        using (var confirms = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            confirms.CancelAfter(_options.PublishTimeout);
            try
            {
                // WaitAsync, not only the token: a publish whose confirm was lost may not observe cancellation at all.
                await Task.WhenAll(messages.Select(m => bus.Publish(m.Message, m.Type, c => c.MessageId = m.MessageId, confirms.Token)))
                    .WaitAsync(confirms.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"The broker did not confirm all {messages.Count} outbox message(s) within {_options.PublishTimeout}; " +
                    "the batch is rolled back and will be published again.");
            }
        }

        await using (var delete = new NpgsqlCommand("DELETE FROM blockstore.outbox WHERE id = ANY(@ids)", conn, tx))
        {
            delete.Parameters.AddWithValue("ids", messages.Select(m => m.Id).ToArray());
            await delete.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return rows.Count;
    }

    /// <summary>The row's message, or null when its body cannot be read as its type (then it is left out from now on).</summary>
    private object? Read(long id, string typeName, string body)
    {
        try
        {
            // Claimed only when the type is known.
            if (JsonSerializer.Deserialize(body, Types[typeName], BlockStoreDbContext.MessageJson) is { } message) return message;
            LogUnreadable(null, id, typeName);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException)
        {
            LogUnreadable(ex, id, typeName);
        }
        _unreadable.Add(id);
        return null;
    }

    private async Task ListenAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(ct);
                conn.Notification += (_, _) => _wake.Writer.TryWrite(true);
                await using (var listen = new NpgsqlCommand($"LISTEN {BlockStoreDbContext.OutboxChannel}", conn))
                    await listen.ExecuteNonQueryAsync(ct);
                _wake.Writer.TryWrite(true); // rows may have arrived while we were not listening
                while (!ct.IsCancellationRequested) await conn.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(ex);
                try { await Task.Delay(_options.PollInterval, ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task WaitForWorkAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.PollInterval);
        try { await _wake.Reader.ReadAsync(timeout.Token); }
        catch (OperationCanceledException) { /* poll interval elapsed, or stopping */ }
    }

    [LoggerMessage(LogLevel.Warning, "Outbox dispatch failed; the rows stay and will be retried")]
    private partial void LogDispatchFailed(Exception ex);

    [LoggerMessage(LogLevel.Error, "Outbox row {RowId} ({MessageType}) cannot be read as its type; it is left in the table and skipped, and the rows after it go on")]
    private partial void LogUnreadable(Exception? ex, long rowId, string messageType);

    [LoggerMessage(LogLevel.Warning, "Outbox listener lost its connection; polling until it is back")]
    private partial void LogListenFailed(Exception ex);
}
