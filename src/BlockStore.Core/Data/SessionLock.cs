using System.Buffers.Binary;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Core.Data;

/// <summary>
/// A PostgreSQL advisory lock held by one database session across processes, for work that must not run twice at
/// once and cannot be fenced by a row's status alone (a removal the reconciler re-drives while a slow first one is
/// still running). It lives on the context's connection, which stays open until the lock is released; a process
/// that dies releases it with its connection.
/// </summary>
public sealed class SessionLock : IAsyncDisposable
{
    private readonly BlockStoreDbContext _db;
    private readonly long _key;

    private SessionLock(BlockStoreDbContext db, long key) => (_db, _key) = (db, key);

    /// <summary>Takes the lock for <paramref name="id"/> without waiting; null when another session holds it.</summary>
    public static async Task<SessionLock?> TryTakeAsync(BlockStoreDbContext db, Guid id, CancellationToken ct)
    {
        long key = KeyOf(id);
        await db.Database.OpenConnectionAsync(ct);
        bool taken = false;
        try
        {
            taken = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_lock({key}) AS \"Value\"").SingleAsync(ct);
            return taken ? new SessionLock(db, key) : null;
        }
        finally
        {
            if (!taken)
            {
                await db.Database.CloseConnectionAsync(); // the lock's holder keeps the connection open; nothing else does
            }
        }
    }

    /// <summary>
    /// The 64-bit advisory key of an id: its two halves folded together. The ids are version 7, whose first half is
    /// mostly a millisecond timestamp, so the first half alone would make ids created in the same millisecond collide
    /// one time in 4,096; folded, every random bit counts.
    /// </summary>
    public static long KeyOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes) ^ BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
    }

    /// <summary>
    /// Releases the lock (explicitly: a pooled connection keeps its session's locks until it is reused) and closes the
    /// connection. A connection that broke meanwhile took the lock with it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _db.Database.SqlQuery<bool>($"SELECT pg_advisory_unlock({_key}) AS \"Value\"").SingleAsync();
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException { InnerException: Npgsql.NpgsqlException })
        {
            // EF Core wraps what it takes for a transient failure (here, the connection ended) in InvalidOperationException.
        }
        finally
        {
            await _db.Database.CloseConnectionAsync();
        }
    }
}
