using BlockStore.Storage.Backends;

namespace BlockStore.Storage.Tests.Backends;

public sealed class KeyedGateTests
{
    [Fact]
    public async Task One_holder_per_key_at_a_time_while_other_keys_go_ahead_and_no_entry_outlives_its_users()
    {
        var gate = new KeyedGate();
        var first = await gate.EnterAsync("volumes/a", CancellationToken.None);

        var second = gate.EnterAsync("volumes/a", CancellationToken.None);
        using (await gate.EnterAsync("volumes/b", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)))
        {
            await Task.Delay(100);
            second.IsCompleted.ShouldBeFalse("a second holder of the same key waits");
            gate.Count.ShouldBe(2);
        }

        first.Dispose();
        first.Dispose(); // twice is once
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        gate.Count.ShouldBe(0);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_leaves_no_entry_and_does_not_block_the_key()
    {
        var gate = new KeyedGate();
        var holder = await gate.EnterAsync("k", CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Should.ThrowAsync<OperationCanceledException>(() => gate.EnterAsync("k", cancel.Token));
        holder.Dispose();

        gate.Count.ShouldBe(0);
        (await gate.EnterAsync("k", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }
}
