using BlockStore.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BlockStore.Worker.Tests;

/// <summary>The advisory lock that lets one worker at a time remove a volume's image (real PostgreSQL).</summary>
public sealed class SessionLockTests
{
    [Fact]
    public void Ids_made_in_the_same_millisecond_have_distinct_lock_keys()
    {
        var at = DateTimeOffset.UtcNow;
        var keys = Enumerable.Range(0, 20_000).Select(_ => SessionLock.KeyOf(Guid.CreateVersion7(at))).ToHashSet();
        keys.Count.ShouldBe(20_000);
    }

    [Fact]
    public async Task A_second_session_is_refused_until_the_first_releases()
    {
        var id = Guid.NewGuid();
        await using var first = StackEnvironment.NewDb();
        await using var second = StackEnvironment.NewDb();

        var held = (await SessionLock.TryTakeAsync(first, id, CancellationToken.None)).ShouldNotBeNull();
        (await SessionLock.TryTakeAsync(second, id, CancellationToken.None)).ShouldBeNull();
        await using (var other = await SessionLock.TryTakeAsync(second, Guid.NewGuid(), CancellationToken.None))
        {
            other.ShouldNotBeNull("another id is another lock");
        }

        await held.DisposeAsync();
        await using var taken = await SessionLock.TryTakeAsync(second, id, CancellationToken.None);
        taken.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_session_that_dies_releases_its_lock()
    {
        var id = Guid.NewGuid();
        await using var doomed = StackEnvironment.NewDb();
        await using var survivor = StackEnvironment.NewDb();
        var held = (await SessionLock.TryTakeAsync(doomed, id, CancellationToken.None)).ShouldNotBeNull();
        var pid = await doomed.Database.SqlQuery<int>($"SELECT pg_backend_pid() AS \"Value\"").SingleAsync();

        (await survivor.Database.SqlQuery<bool>($"SELECT pg_terminate_backend({pid}, 5000) AS \"Value\"").SingleAsync()).ShouldBeTrue();

        await using var taken = await SessionLock.TryTakeAsync(survivor, id, CancellationToken.None);
        taken.ShouldNotBeNull();
        await held.DisposeAsync(); // its connection is gone: releasing finds nothing to do and does not throw
    }
}
