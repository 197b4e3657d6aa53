using System.Globalization;
using BlockStore.Core.Errors;

namespace BlockStore.Api.Images;

/// <summary>
/// The one range of an image download's <c>Range</c> header (RFC 9110: <c>bytes=first-last</c>, <c>bytes=first-</c>, or
/// <c>bytes=-suffix</c>), as Glance reads it: one range only, a suffix as long as the image or longer is the whole image,
/// and a last byte past the end ends at the end. <see cref="End"/> is exclusive.
/// </summary>
public readonly record struct ByteRange(long Start, long End)
{
    public long Length => End - Start;

    /// <summary>The header's value as <c>Content-Range</c> answers it.</summary>
    public string ContentRange(long size) => $"bytes {Start}-{End - 1}/{size}";

    /// <summary>
    /// The range <paramref name="header"/> asks of an image of <paramref name="size"/> bytes; null when there is no header.
    /// </summary>
    /// <exception cref="InvalidRequestException">Several ranges (400, as Glance).</exception>
    /// <exception cref="RangeNotSatisfiableException">A range that cannot be read, or is no range (416).</exception>
    public static ByteRange? Parse(string? header, long size)
    {
        if (string.IsNullOrEmpty(header)) return null;
        if (header.Contains(','))
            throw new InvalidRequestException("Requests with multiple ranges are not supported. You may make multiple single-range requests instead.");
        var spec = header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) ? header.AsSpan(6).Trim() : default;
        var dash = spec.IndexOf('-');
        if (dash < 0) throw Invalid(size);
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.IsEmpty)
        {
            // bytes=-N: the last N bytes, or the whole image when it is no longer than N.
            if (!Number(last, out var suffix) || suffix == 0) throw Invalid(size);
            return new ByteRange(Math.Max(size - suffix, 0), size);
        }
        if (!Number(first, out var start)) throw Invalid(size);
        var end = size;
        if (!last.IsEmpty)
        {
            if (!Number(last, out var lastByte) || lastByte < start) throw Invalid(size);
            if (lastByte < size - 1) end = lastByte + 1;
        }
        if (start >= size)
            throw new RangeNotSatisfiableException(
                $"Invalid start position in Range header. Start position MUST be in the inclusive range [0, {size - 1}].", size);
        return new ByteRange(start, end);
    }

    private static bool Number(ReadOnlySpan<char> s, out long value) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static RangeNotSatisfiableException Invalid(long size) => new("Invalid Range header.", size);
}
