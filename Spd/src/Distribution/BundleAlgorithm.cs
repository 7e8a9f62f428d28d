namespace IpsecFw.Spd.Distribution;

/// <summary>The signature algorithms of a bundle (the number in its header, bytes 6 and 7).</summary>
public enum BundleAlgorithm
{
    /// <summary>Pure Ed25519 (RFC 8032 5.1): 32-byte keys, 64-byte signatures.</summary>
    Ed25519 = 1,

    /// <summary>
    /// ECDSA on P-256 with SHA-256 (FIPS 186-5, SEC 1): a 65-byte uncompressed public point, a 32-byte private scalar,
    /// and the signature as the DER <c>Ecdsa-Sig-Value</c> SEQUENCE of r and s (RFC 3279 2.2.3), at most 72 bytes;
    /// what <c>openssl dgst -sha256 -sign</c> writes and <c>-verify</c> reads.
    /// </summary>
    EcdsaP256 = 2,
}
