using System.Globalization;
using System.Text;
using BlockStore.Api.Infrastructure;

namespace BlockStore.Api.Tests.Wire;

public sealed class TimestampTests
{
    public static TheoryData<DateTime> Instants() =>
    [
        new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        new DateTime(2026, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999),
        new DateTime(1999, 9, 9, 0, 0, 0, DateTimeKind.Utc).AddTicks(10),
        new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(123_456_7),
    ];

    [Theory]
    [MemberData(nameof(Instants))]
    public void The_digit_by_digit_timestamp_matches_the_format_string(DateTime at) => Format(at).ShouldBe(CinderJson.Timestamp(at));

    [Fact]
    public void Random_instants_format_as_the_format_string_does()
    {
        var random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            var at = new DateTime(random.NextInt64(new DateTime(1000, 1, 1).Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
            Format(at).ShouldBe(at.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
        }
    }

    private static string Format(DateTime at)
    {
        Span<byte> text = stackalloc byte[26];
        CinderJson.FormatTimestamp(at, text);
        return Encoding.ASCII.GetString(text);
    }
}
