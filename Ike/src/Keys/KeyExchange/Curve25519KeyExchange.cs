using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using IpsecFw.Ike.Messages;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace IpsecFw.Ike.Keys.KeyExchange;

/// <summary>
/// Group 31, X25519 (RFC 8031, RFC 7748). Public values and the shared secret are 32 bytes; an all-zero shared secret
/// (a low-order peer value) is refused, as RFC 8031 section 2 requires.
/// </summary>
public sealed class Curve25519KeyExchange : IkeKeyExchange
{
    /// <summary>Bytes of a key, a public value and a shared secret.</summary>
    public const int KeyLength = 32;

    private readonly byte[] _privateKey;
    private readonly byte[] _publicValue = new byte[KeyLength];

    private Curve25519KeyExchange(byte[] privateKey)
    {
        _privateKey = privateKey;
        X25519.GeneratePublicKey(_privateKey, 0, _publicValue, 0);
    }

    /// <inheritdoc/>
    public override KeyExchangeMethod Method => KeyExchangeMethod.Curve25519;

    /// <inheritdoc/>
    public override int PublicValueLength => KeyLength;

    /// <inheritdoc/>
    public override byte[] PublicValue => (byte[])_publicValue.Clone();

    /// <summary>A fresh random private key (clamped inside X25519, RFC 7748 5).</summary>
    public static Curve25519KeyExchange Create() => new(RandomNumberGenerator.GetBytes(KeyLength));

    /// <summary>A fixed private key, for test vectors; null unless 32 bytes.</summary>
    public static Curve25519KeyExchange? FromPrivateKey(ReadOnlySpan<byte> privateKey) =>
        privateKey.Length == KeyLength ? new Curve25519KeyExchange(privateKey.ToArray()) : null;

    /// <inheritdoc/>
    public override bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, [NotNullWhen(true)] out byte[]? sharedSecret, out KeyExchangeError error)
    {
        sharedSecret = null;
        if (peerPublicValue.Length != KeyLength)
        {
            error = KeyExchangeError.InvalidPublicValueLength;
            return false;
        }

        byte[] output = new byte[KeyLength];
        if (!X25519.CalculateAgreement(_privateKey, 0, peerPublicValue.ToArray(), 0, output, 0))
        {
            // BouncyCastle reports the all-zero output of a low-order point as false.
            error = KeyExchangeError.AllZeroSharedSecret;
            return false;
        }

        sharedSecret = output;
        error = KeyExchangeError.None;
        return true;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        CryptographicOperations.ZeroMemory(_privateKey);
        base.Dispose(disposing);
    }
}
