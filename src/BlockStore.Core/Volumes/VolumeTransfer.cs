using System.Security.Cryptography;
using System.Text;

namespace BlockStore.Core.Volumes;

/// <summary>
/// A volume offered to another project (Cinder's volume transfer). The offering project gets an auth key once; only a
/// salted hash of it is kept. Whoever presents the id and the key may accept, and the volume (with its snapshots, unless
/// <see cref="NoSnapshots"/>) becomes theirs. Accepting or cancelling ends the transfer: its row goes.
/// </summary>
public sealed class VolumeTransfer
{
    private const string KeyAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    private VolumeTransfer() { }

    public Guid Id { get; private set; }
    public Guid VolumeId { get; private set; }
    /// <summary>The project that offers the volume (the volume's project when the transfer was made).</summary>
    public string SourceProjectId { get; private set; } = "";
    public string? Name { get; private set; }
    public string Salt { get; private set; } = "";
    /// <summary>HMAC-SHA256 of the auth key, keyed by <see cref="Salt"/>, in hex.</summary>
    public string KeyHash { get; private set; } = "";
    /// <summary>3.55: the snapshots stay with the offering project.</summary>
    public bool NoSnapshots { get; private set; }
    public DateTime CreatedAt { get; private set; }

    /// <summary>A new transfer and its auth key, which is shown to the offering project this once.</summary>
    public static (VolumeTransfer Transfer, string AuthKey) Offer(Volume volume, string? name, bool noSnapshots, DateTime now)
    {
        var authKey = RandomNumberGenerator.GetString(KeyAlphabet, 16);
        var salt = RandomNumberGenerator.GetString(KeyAlphabet, 8);
        var transfer = new VolumeTransfer
        {
            Id = Guid.CreateVersion7(now),
            VolumeId = volume.Id,
            SourceProjectId = volume.ProjectId,
            Name = name,
            Salt = salt,
            KeyHash = Hash(salt, authKey),
            NoSnapshots = noSnapshots,
            CreatedAt = now,
        };
        return (transfer, authKey);
    }

    /// <summary>Whether <paramref name="authKey"/> is this transfer's, compared in constant time.</summary>
    public bool Opens(string? authKey) =>
        authKey is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(Salt, authKey)), Encoding.ASCII.GetBytes(KeyHash));

    private static string Hash(string salt, string authKey) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(salt), Encoding.UTF8.GetBytes(authKey)));
}
