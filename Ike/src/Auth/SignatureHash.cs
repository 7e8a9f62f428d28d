namespace IpsecFw.Ike.Auth;

/// <summary>
/// The hash algorithms of the SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 4; IANA "IKEv2 Hash Algorithms"). Only the
/// SHA-2 ones are used for signatures here.
/// </summary>
public static class SignatureHash
{
    /// <summary>SHA1 (announced by some peers; never chosen here).</summary>
    public const ushort Sha1 = 1;

    /// <summary>SHA2-256.</summary>
    public const ushort Sha256 = 2;

    /// <summary>SHA2-384.</summary>
    public const ushort Sha384 = 3;

    /// <summary>SHA2-512.</summary>
    public const ushort Sha512 = 4;

    /// <summary>The hashes this implementation announces and accepts in RFC 7427 signatures.</summary>
    public static IReadOnlyList<ushort> Supported { get; } = [Sha256, Sha384, Sha512];
}
