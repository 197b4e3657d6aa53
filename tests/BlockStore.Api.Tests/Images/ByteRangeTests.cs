using BlockStore.Api.Images;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Tests.Images;

/// <summary>A download's <c>Range</c>, read as Glance reads it, for an image of 1,000 bytes.</summary>
public sealed class ByteRangeTests
{
    private const long Size = 1000;

    [Theory]
    [InlineData("bytes=0-4", 0, 5)]
    [InlineData("bytes=10-10", 10, 11)]
    [InlineData("bytes=990-", 990, 1000)]
    [InlineData("bytes=990-5000", 990, 1000)] // a last byte past the end ends at the end
    [InlineData("bytes=0-9223372036854775807", 0, 1000)]
    [InlineData("bytes=-10", 990, 1000)] // a suffix: the last ten bytes
    [InlineData("bytes=-1000", 0, 1000)]
    [InlineData("bytes=-5000", 0, 1000)] // a suffix longer than the image is all of it
    [InlineData("BYTES= 5 - 6 ", 5, 7)]
    public void A_single_range_is_read_with_an_exclusive_end(string header, long start, long end)
    {
        var range = ByteRange.Parse(header, Size).ShouldNotBeNull();
        range.ShouldBe(new ByteRange(start, end));
        range.ContentRange(Size).ShouldBe($"bytes {start}-{end - 1}/{Size}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_header_is_no_range(string? header) => ByteRange.Parse(header, Size).ShouldBeNull();

    [Theory]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=-0")]
    [InlineData("bytes=-")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=1")]
    [InlineData("items=0-4")]
    [InlineData("0-4")]
    public void What_is_no_range_is_unsatisfiable(string header) =>
        Should.Throw<RangeNotSatisfiableException>(() => ByteRange.Parse(header, Size)).Message.ShouldBe("Invalid Range header.");

    [Theory]
    [InlineData("bytes=1000-")]
    [InlineData("bytes=1000-1001")]
    public void A_start_at_or_past_the_end_is_unsatisfiable(string header)
    {
        var e = Should.Throw<RangeNotSatisfiableException>(() => ByteRange.Parse(header, Size));
        e.Message.ShouldContain("[0, 999]");
        e.Size.ShouldBe(Size);
    }

    [Fact]
    public void Several_ranges_are_refused_as_a_bad_request() =>
        Should.Throw<InvalidRequestException>(() => ByteRange.Parse("bytes=0-1,5-6", Size)).Message.ShouldContain("multiple ranges");
}
