using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// Stateless cookies against IKE_SA_INIT floods (RFC 7296 2.6): <c>Cookie = VersionIDofSecret | Hash(Ni | IPi | SPIi |
/// secret)</c>, here HMAC-SHA-256 keyed with the secret, cut to 16 bytes. The secret rotates; a cookie made with the
/// previous secret is still accepted, so an initiator caught by a rotation does not start over twice.
/// </summary>
/// <remarks>
/// Thread-safe and allocation-free on the span overloads (the sockets' receive threads answer floods with it, see
/// <see cref="CookieScreen"/>, while the engine's loop uses it too): the secrets are one immutable snapshot swapped
/// atomically on rotation.
/// </remarks>
public sealed class CookieGuard : IDisposable
{
    /// <summary>Length of a cookie: the 4-byte secret version and 16 bytes of HMAC.</summary>
    public const int CookieLength = 4 + HashLength;

    private const int HashLength = 16;
    private const int MaxAddressLength = 16;
    private readonly TimeProvider _time;
    private readonly TimeSpan _rotation;
    private Secrets _secrets;

    /// <summary>Creates a guard that engages at <paramref name="halfOpenThreshold"/> half-open SAs.</summary>
    public CookieGuard(TimeProvider time, int halfOpenThreshold = 100, TimeSpan? rotation = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        HalfOpenThreshold = halfOpenThreshold;
        _rotation = rotation ?? TimeSpan.FromMinutes(2);
        _secrets = new Secrets(0, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), time.GetUtcNow());
    }

    /// <summary>Half-open SAs from which on every new initiator must return a cookie.</summary>
    public int HalfOpenThreshold { get; }

    /// <summary>Whether a cookie is required now.</summary>
    public bool Required(int halfOpen) => halfOpen >= HalfOpenThreshold;

    /// <summary>The cookie for this initiator.</summary>
    public byte[] Make(ReadOnlySpan<byte> nonce, IPAddress initiator, ulong spiI)
    {
        ArgumentNullException.ThrowIfNull(initiator);
        Span<byte> address = stackalloc byte[MaxAddressLength];
        initiator.TryWriteBytes(address, out int length);
        byte[] cookie = new byte[CookieLength];
        Make(nonce, address[..length], spiI, cookie);
        return cookie;
    }

    /// <summary>Writes the cookie for this initiator (its address as the bytes of the IP address, 4 or 16) into <paramref name="cookie"/> (<see cref="CookieLength"/> bytes).</summary>
    public void Make(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> initiator, ulong spiI, Span<byte> cookie)
    {
        Secrets s = Rotate();
        Compute(s.Version, s.Current, nonce, initiator, spiI, cookie);
    }

    /// <summary>True when <paramref name="cookie"/> is one this guard made for this initiator, with the current or previous secret.</summary>
    public bool Verify(ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> nonce, IPAddress initiator, ulong spiI)
    {
        ArgumentNullException.ThrowIfNull(initiator);
        Span<byte> address = stackalloc byte[MaxAddressLength];
        initiator.TryWriteBytes(address, out int length);
        return Verify(cookie, nonce, address[..length], spiI);
    }

    /// <summary>As <see cref="Verify(ReadOnlySpan{byte}, ReadOnlySpan{byte}, IPAddress, ulong)"/>, with the initiator's address as bytes.</summary>
    public bool Verify(ReadOnlySpan<byte> cookie, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> initiator, ulong spiI)
    {
        Secrets s = Rotate();
        if (cookie.Length != CookieLength)
        {
            return false;
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(cookie);
        byte[]? secret = version == s.Version ? s.Current : version == s.Version - 1 ? s.Previous : null;
        if (secret is null)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[CookieLength];
        Compute(version, secret, nonce, initiator, spiI, expected);
        return CryptographicOperations.FixedTimeEquals(cookie, expected);
    }

    /// <summary>Zeroes the secrets.</summary>
    public void Dispose()
    {
        Secrets s = Volatile.Read(ref _secrets);
        CryptographicOperations.ZeroMemory(s.Current);
        CryptographicOperations.ZeroMemory(s.Previous);
    }

    /// <summary>The secrets now, rotated first when their time has come (one thread wins the swap; the others use its result).</summary>
    private Secrets Rotate()
    {
        Secrets s = Volatile.Read(ref _secrets);
        DateTimeOffset now = _time.GetUtcNow();
        if (now - s.RotatedAt < _rotation)
        {
            return s;
        }

        var next = new Secrets(s.Version + 1, RandomNumberGenerator.GetBytes(32), s.Current, now);
        Secrets won = Interlocked.CompareExchange(ref _secrets, next, s);
        if (won != s)
        {
            CryptographicOperations.ZeroMemory(next.Current);
            return won;
        }

        // The secret that falls out is two rotations old: no cookie made with it is accepted any more.
        CryptographicOperations.ZeroMemory(s.Previous);
        return next;
    }

    private static void Compute(uint version, byte[] secret, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> initiator, ulong spiI, Span<byte> cookie)
    {
        // Ni | IPi | SPIi; the nonce is at most 256 bytes (RFC 7296 3.9), the address 16.
        Span<byte> input = stackalloc byte[IkeSpec.MaxNonceLength + MaxAddressLength + sizeof(ulong)];
        int n = Math.Min(nonce.Length, IkeSpec.MaxNonceLength), a = Math.Min(initiator.Length, MaxAddressLength);
        nonce[..n].CopyTo(input);
        initiator[..a].CopyTo(input[n..]);
        BinaryPrimitives.WriteUInt64BigEndian(input[(n + a)..], spiI);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, input[..(n + a + sizeof(ulong))], mac);
        BinaryPrimitives.WriteUInt32BigEndian(cookie, version);
        mac[..HashLength].CopyTo(cookie[4..]);
    }

    /// <summary>The secret version, the current and previous secrets and when they rotated: replaced whole, never changed.</summary>
    private sealed record Secrets(uint Version, byte[] Current, byte[] Previous, DateTimeOffset RotatedAt);
}
