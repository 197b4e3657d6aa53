using System.Text;
using System.Text.Json;
using BlockStore.Api.Infrastructure;

namespace BlockStore.Api.Tests.Wire;

/// <summary>The pooled buffer that response bodies are written into: growth keeps what was written.</summary>
public sealed class PooledBufferWriterTests
{
    [Fact]
    public void A_body_many_times_the_initial_capacity_comes_out_whole()
    {
        using var buffer = new PooledBufferWriter(16);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            for (var i = 0; i < 5000; i++) w.WriteStringValue($"item-{i}");
            w.WriteEndArray();
        }

        var items = JsonSerializer.Deserialize<string[]>(buffer.WrittenMemory.Span)!;
        items.Length.ShouldBe(5000);
        items[0].ShouldBe("item-0");
        items[^1].ShouldBe("item-4999");
        buffer.WrittenCount.ShouldBe(buffer.WrittenMemory.Length);
    }

    [Fact]
    public void Spans_and_memory_continue_after_what_was_advanced()
    {
        using var buffer = new PooledBufferWriter(4);
        Encoding.ASCII.GetBytes("abc", buffer.GetSpan(3));
        buffer.Advance(3);
        var big = buffer.GetMemory(10_000); // grows: the bytes so far move along
        big.Length.ShouldBeGreaterThanOrEqualTo(10_000);
        Encoding.ASCII.GetBytes("defg", big.Span);
        buffer.Advance(4);
        Encoding.ASCII.GetString(buffer.WrittenMemory.Span).ShouldBe("abcdefg");
    }

    [Fact]
    public void Advancing_past_the_end_or_using_it_after_dispose_fails()
    {
        var buffer = new PooledBufferWriter(16);
        var room = buffer.GetSpan().Length;
        Should.Throw<InvalidOperationException>(() => buffer.Advance(room + 1));
        buffer.Dispose();
        Should.Throw<ObjectDisposedException>(() => buffer.GetSpan());
    }
}
