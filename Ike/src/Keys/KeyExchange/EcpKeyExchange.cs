using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using IpsecFw.Ike.Messages;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace IpsecFw.Ike.Keys.KeyExchange;

/// <summary>
/// Groups 19, 20 and 21: ECDH on NIST P-256, P-384 and P-521 (RFC 5903). The public value is x || y, each coordinate
/// padded to the field size, without the 0x04 prefix; the shared secret is the x coordinate of the shared point only
/// (RFC 5903 7). A peer's point must have coordinates below p and lie on the curve (the curves have cofactor 1, so on
/// the curve means in the group); a shared point at infinity is refused.
/// </summary>
public sealed class EcpKeyExchange : IkeKeyExchange
{
    private readonly X9ECParameters _curve;
    private readonly BigInteger _privateKey;
    private readonly byte[] _publicValue;

    private EcpKeyExchange(KeyExchangeMethod method, X9ECParameters curve, BigInteger privateKey)
    {
        Method = method;
        _curve = curve;
        _privateKey = privateKey;
        FieldLength = (curve.Curve.FieldSize + 7) / 8;
        ECPoint q = curve.G.Multiply(privateKey).Normalize();
        _publicValue = [.. q.AffineXCoord.GetEncoded(), .. q.AffineYCoord.GetEncoded()];
    }

    /// <inheritdoc/>
    public override KeyExchangeMethod Method { get; }

    /// <summary>Bytes of one coordinate (32, 48 or 66).</summary>
    public int FieldLength { get; }

    /// <inheritdoc/>
    public override int PublicValueLength => 2 * FieldLength;

    /// <inheritdoc/>
    public override byte[] PublicValue => (byte[])_publicValue.Clone();

    /// <summary>A fresh key pair; null for a method that is not an ECP group we implement.</summary>
    public static EcpKeyExchange? Create(KeyExchangeMethod method)
    {
        if (CurveFor(method) is not { } curve)
        {
            return null;
        }

        // Rejection sampling of d in [1, n-1] from the platform's CSPRNG.
        BigInteger n = curve.N;
        byte[] random = new byte[(n.BitLength + 7) / 8];
        try
        {
            while (true)
            {
                RandomNumberGenerator.Fill(random);
                random[0] &= (byte)(0xff >> ((8 * random.Length) - n.BitLength));
                var d = new BigInteger(1, random);
                if (d.SignValue > 0 && d.CompareTo(n) < 0)
                {
                    return new EcpKeyExchange(method, curve, d);
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(random);
        }
    }

    /// <summary>A fixed private key (big-endian, in [1, n-1]), for test vectors; null if out of range or not an ECP group.</summary>
    public static EcpKeyExchange? FromPrivateKey(KeyExchangeMethod method, ReadOnlySpan<byte> privateKey)
    {
        var d = new BigInteger(1, privateKey.ToArray());
        return CurveFor(method) is { } curve && d.SignValue > 0 && d.CompareTo(curve.N) < 0 ? new EcpKeyExchange(method, curve, d) : null;
    }

    /// <inheritdoc/>
    public override bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, [NotNullWhen(true)] out byte[]? sharedSecret, out KeyExchangeError error)
    {
        sharedSecret = null;
        if (peerPublicValue.Length != PublicValueLength)
        {
            error = KeyExchangeError.InvalidPublicValueLength;
            return false;
        }

        var x = new BigInteger(1, peerPublicValue[..FieldLength].ToArray());
        var y = new BigInteger(1, peerPublicValue[FieldLength..].ToArray());
        BigInteger p = _curve.Curve.Field.Characteristic;
        if (x.CompareTo(p) >= 0 || y.CompareTo(p) >= 0)
        {
            error = KeyExchangeError.PublicValueOutOfRange;
            return false;
        }

        ECPoint peer = _curve.Curve.CreatePoint(x, y);
        if (!peer.IsValid())
        {
            error = KeyExchangeError.PointNotOnCurve;
            return false;
        }

        ECPoint shared = peer.Multiply(_privateKey).Normalize();
        if (shared.IsInfinity)
        {
            error = KeyExchangeError.PointAtInfinity;
            return false;
        }

        sharedSecret = shared.AffineXCoord.GetEncoded();
        error = KeyExchangeError.None;
        return true;
    }

    // BouncyCastle's custom curve implementations (fixed-size limbs, no BigInteger per operation), and one parameter
    // set per curve for the process: the generator keeps BouncyCastle's precomputed multiples, so a key
    // pair costs one fixed-base multiplication instead of rebuilding the tables (megabytes and milliseconds) each time.
    private static readonly Lazy<X9ECParameters> s_p256 = new(() => CustomNamedCurves.GetByName("secp256r1"));
    private static readonly Lazy<X9ECParameters> s_p384 = new(() => CustomNamedCurves.GetByName("secp384r1"));
    private static readonly Lazy<X9ECParameters> s_p521 = new(() => CustomNamedCurves.GetByName("secp521r1"));

    private static X9ECParameters? CurveFor(KeyExchangeMethod method) => method switch
    {
        KeyExchangeMethod.Ecp256 => s_p256.Value,
        KeyExchangeMethod.Ecp384 => s_p384.Value,
        KeyExchangeMethod.Ecp521 => s_p521.Value,
        _ => null,
    };
}
