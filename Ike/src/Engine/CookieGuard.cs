using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// Stateless cookies against IKE_SA_INIT floods (RFC 7296 2.6): <c>Cookie = VersionIDofSecret | Hash(Ni | IPi | SPIi |
/// secret)</c>. The secret rotates; a cookie made with the previous secret is still accepted, so an initiator caught by
/// a rotation does not start over twice.
/// </summary>
public sealed class CookieGuard : IDisposable
{
    private const int HashLength = 16;
    private readonly TimeProvider _time;
    private readonly TimeSpan _rotation;
    private byte[] _current = RandomNumberGenerator.GetBytes(32);
    private byte[] _previous = RandomNumberGenerator.GetBytes(32);
    private uint _version;
    private DateTimeOffset _rotatedAt;

    /// <summary>Creates a guard that engages at <paramref name="halfOpenThreshold"/> half-open SAs.</summary>
    public CookieGuard(TimeProvider time, int halfOpenThreshold = 100, TimeSpan? rotation = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        HalfOpenThreshold = halfOpenThreshold;
        _rotation = rotation ?? TimeSpan.FromMinutes(2);
        _rotatedAt = time.GetUtcNow();
    }

    /// <summary>Half-open SAs from which on every new initiator must return a cookie.</summary>
    public int HalfOpenThreshold { get; }

    /// <summary>Whether a cookie is required now.</summary>
    public bool Required(int halfOpen) => halfOpen >= HalfOpenThreshold;

    /// <summary>The cookie for this initiator.</summary>
    public byte[] Make(ReadOnlySpan<byte> nonce, IPAddress initiator, ulong spiI)
    {
        Rotate();
        return Compute(_version, _current, nonce, initiator, spiI);
    }

    /// <summary>True when <paramref name="cookie"/> is one this guard made for this initiator, with the current or previous secret.</summary>
    public bool Verify(ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> nonce, IPAddress initiator, ulong spiI)
    {
        Rotate();
        if (cookie.Length != 4 + HashLength)
        {
            return false;
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(cookie);
        byte[]? secret = version == _version ? _current : version == _version - 1 ? _previous : null;
        return secret is not null && CryptographicOperations.FixedTimeEquals(cookie, Compute(version, secret, nonce, initiator, spiI));
    }

    /// <summary>Zeroes the secrets.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_current);
        CryptographicOperations.ZeroMemory(_previous);
    }

    private void Rotate()
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (now - _rotatedAt < _rotation)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(_previous);
        _previous = _current;
        _current = RandomNumberGenerator.GetBytes(32);
        _version++;
        _rotatedAt = now;
    }

    private static byte[] Compute(uint version, byte[] secret, ReadOnlySpan<byte> nonce, IPAddress initiator, ulong spiI)
    {
        byte[] address = initiator.GetAddressBytes();
        byte[] input = new byte[nonce.Length + address.Length + 8];
        nonce.CopyTo(input);
        address.CopyTo(input, nonce.Length);
        BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(nonce.Length + address.Length), spiI);
        byte[] cookie = new byte[4 + HashLength];
        BinaryPrimitives.WriteUInt32BigEndian(cookie, version);
        HMACSHA256.HashData(secret, input).AsSpan(0, HashLength).CopyTo(cookie.AsSpan(4));
        return cookie;
    }
}
