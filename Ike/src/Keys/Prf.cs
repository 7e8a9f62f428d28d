using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Keys;

/// <summary>
/// A negotiated pseudorandom function (RFC 7296 3.3.2 transform type 2): HMAC-SHA2-256/384/512 (RFC 4868), computed by
/// the platform's one-shot HMAC. Stateless and thread-safe.
/// </summary>
public sealed class Prf
{
    private static readonly Prf s_sha256 = new(PrfAlgorithm.HmacSha256, HMACSHA256.HashSizeInBytes);
    private static readonly Prf s_sha384 = new(PrfAlgorithm.HmacSha384, HMACSHA384.HashSizeInBytes);
    private static readonly Prf s_sha512 = new(PrfAlgorithm.HmacSha512, HMACSHA512.HashSizeInBytes);

    private Prf(PrfAlgorithm algorithm, int outputLength)
    {
        Algorithm = algorithm;
        OutputLength = outputLength;
    }

    /// <summary>The PRF transform ID.</summary>
    public PrfAlgorithm Algorithm { get; }

    /// <summary>Bytes of output of one call.</summary>
    public int OutputLength { get; }

    /// <summary>
    /// The key length for SK_d, SK_pi and SK_pr: the PRF's preferred key size, which for HMAC-SHA2 equals the output
    /// length (RFC 4868 2.1.2, RFC 7296 2.14).
    /// </summary>
    public int PreferredKeyLength => OutputLength;

    /// <summary>The PRF for a transform ID; false for ones we do not implement.</summary>
    public static bool TryGet(PrfAlgorithm algorithm, [NotNullWhen(true)] out Prf? prf)
    {
        prf = algorithm switch
        {
            PrfAlgorithm.HmacSha256 => s_sha256,
            PrfAlgorithm.HmacSha384 => s_sha384,
            PrfAlgorithm.HmacSha512 => s_sha512,
            _ => null,
        };
        return prf is not null;
    }

    /// <summary>The PRF for a transform ID we implement; throws for others (a configuration error, not input).</summary>
    public static Prf Get(PrfAlgorithm algorithm) =>
        TryGet(algorithm, out Prf? prf) ? prf : throw new NotSupportedException($"PRF {algorithm} is not implemented.");

    /// <summary>prf(key, data) into <paramref name="destination"/>, which must hold <see cref="OutputLength"/> bytes.</summary>
    public void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int written = Algorithm switch
        {
            PrfAlgorithm.HmacSha256 => HMACSHA256.HashData(key, data, destination),
            PrfAlgorithm.HmacSha384 => HMACSHA384.HashData(key, data, destination),
            _ => HMACSHA512.HashData(key, data, destination),
        };
        System.Diagnostics.Debug.Assert(written == OutputLength, "HMAC output length");
    }

    /// <summary>prf(key, data) as a new array.</summary>
    public byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        byte[] output = new byte[OutputLength];
        Compute(key, data, output);
        return output;
    }
}
