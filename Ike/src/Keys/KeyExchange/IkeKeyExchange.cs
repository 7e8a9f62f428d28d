using System.Diagnostics.CodeAnalysis;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Keys.KeyExchange;

/// <summary>
/// One side of a Diffie-Hellman exchange in one group: our ephemeral private key, our public value for the KE payload,
/// and the shared secret g^ir from the peer's public value, after validating it. Used once per exchange; not safe for
/// concurrent use. Private keys live in BouncyCastle's immutable big integers or in arrays zeroed by <see cref="Dispose()"/>.
/// </summary>
public abstract class IkeKeyExchange : IDisposable
{
    /// <summary>The group.</summary>
    public abstract KeyExchangeMethod Method { get; }

    /// <summary>Length of a public value in the KE payload (RFC 7296 3.4), also the length of a peer's.</summary>
    public abstract int PublicValueLength { get; }

    /// <summary>Our public value, as the KE payload carries it.</summary>
    public abstract byte[] PublicValue { get; }

    /// <summary>Groups this implementation offers.</summary>
    public static IReadOnlyList<KeyExchangeMethod> Supported { get; } =
    [
        KeyExchangeMethod.Modp2048,
        KeyExchangeMethod.Ecp256,
        KeyExchangeMethod.Ecp384,
        KeyExchangeMethod.Ecp521,
        KeyExchangeMethod.Curve25519,
    ];

    /// <summary>A fresh key pair in <paramref name="method"/>; false for groups we do not implement (answer INVALID_KE_PAYLOAD).</summary>
    public static bool TryCreate(KeyExchangeMethod method, [NotNullWhen(true)] out IkeKeyExchange? keyExchange)
    {
        keyExchange = method switch
        {
            KeyExchangeMethod.Modp2048 => ModpKeyExchange.Create(),
            KeyExchangeMethod.Ecp256 or KeyExchangeMethod.Ecp384 or KeyExchangeMethod.Ecp521 => EcpKeyExchange.Create(method),
            KeyExchangeMethod.Curve25519 => Curve25519KeyExchange.Create(),
            _ => null,
        };
        return keyExchange is not null;
    }

    /// <summary>
    /// Validates the peer's public value and computes g^ir as RFC 7296 2.14 and RFC 5903 7 define it (MODP: padded to the
    /// modulus length; ECP: the x coordinate only; Curve25519: the 32-byte X25519 output). The caller owns and zeroes it.
    /// </summary>
    public abstract bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, [NotNullWhen(true)] out byte[]? sharedSecret, out KeyExchangeError error);

    /// <summary>Forgets the private key where it can be zeroed.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Zeroes private key material held in arrays.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
