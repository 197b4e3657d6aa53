using System.Globalization;

namespace BlockStore.Api.Infrastructure;

/// <summary>A negotiated <c>OpenStack-API-Version: volume 3.N</c>.</summary>
public readonly record struct Microversion(int Major, int Minor) : IComparable<Microversion>
{
    public static readonly Microversion Min = new(3, 0);
    /// <summary>
    /// The highest version whose behaviour BlockStore implements. 3.70 is what cinderclient 9.1 asks for;
    /// of the features between, groups are kept by no backend here: their lists answer empty and their creates are refused
    /// as Cinder refuses them (docs/api.md).
    /// </summary>
    public static readonly Microversion Max = new(3, 70);

    public int CompareTo(Microversion other) => (Major, Minor).CompareTo((other.Major, other.Minor));

    public static bool operator >=(Microversion a, Microversion b) => a.CompareTo(b) >= 0;
    public static bool operator <=(Microversion a, Microversion b) => a.CompareTo(b) <= 0;
    public static bool operator >(Microversion a, Microversion b) => a.CompareTo(b) > 0;
    public static bool operator <(Microversion a, Microversion b) => a.CompareTo(b) < 0;

    public bool AtLeast(int minor) => this >= new Microversion(3, minor);

    public override string ToString() => $"{Major}.{Minor}";

    public static bool TryParse(string text, out Microversion version)
    {
        version = default;
        var parts = text.Split('.');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            return false;
        version = new Microversion(major, minor);
        return true;
    }
}
