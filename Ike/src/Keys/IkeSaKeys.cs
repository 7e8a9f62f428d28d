using System.Buffers.Binary;
using System.Security.Cryptography;

namespace IpsecFw.Ike.Keys;

/// <summary>
/// The seven keys of an IKE SA (RFC 7296 2.14):
/// <code>
/// SKEYSEED = prf(Ni | Nr, g^ir)
/// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
/// </code>
/// With an AEAD cipher SK_ai and SK_ar are empty and SK_ei/SK_er include the salt (RFC 5282). Owned by one IKE SA;
/// <see cref="Dispose"/> zeroes every key. Not safe for concurrent use.
/// </summary>
public sealed class IkeSaKeys : IDisposable
{
    private IkeSaKeys(byte[] skD, byte[] skAi, byte[] skAr, byte[] skEi, byte[] skEr, byte[] skPi, byte[] skPr)
    {
        SkD = skD;
        SkAi = skAi;
        SkAr = skAr;
        SkEi = skEi;
        SkEr = skEr;
        SkPi = skPi;
        SkPr = skPr;
    }

    /// <summary>SK_d: the key CHILD_SA keys (and a rekeyed IKE SA's SKEYSEED) derive from.</summary>
    public byte[] SkD { get; }

    /// <summary>SK_ai: integrity key for messages from the initiator (empty with AEAD).</summary>
    public byte[] SkAi { get; }

    /// <summary>SK_ar: integrity key for messages from the responder (empty with AEAD).</summary>
    public byte[] SkAr { get; }

    /// <summary>SK_ei: encryption key (and salt) for messages from the initiator.</summary>
    public byte[] SkEi { get; }

    /// <summary>SK_er: encryption key (and salt) for messages from the responder.</summary>
    public byte[] SkEr { get; }

    /// <summary>SK_pi: the initiator's key for the AUTH payload.</summary>
    public byte[] SkPi { get; }

    /// <summary>SK_pr: the responder's key for the AUTH payload.</summary>
    public byte[] SkPr { get; }

    /// <summary>SKEYSEED = prf(Ni | Nr, g^ir) for a new IKE SA (RFC 7296 2.14).</summary>
    public static byte[] ComputeSkeyseed(Prf prf, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> nonceR, ReadOnlySpan<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(prf);
        byte[] nonces = [.. nonceI, .. nonceR];
        return prf.Compute(nonces, sharedSecret);
    }

    /// <summary>
    /// SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) for an IKE SA made by rekeying (RFC 7296 2.18). The PRF is the
    /// old IKE SA's, because the rekeying exchange belongs to the old SA (2.18); the new SA's PRF then runs prf+.
    /// </summary>
    public static byte[] ComputeRekeySkeyseed(Prf oldPrf, ReadOnlySpan<byte> oldSkD, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> nonceR)
    {
        ArgumentNullException.ThrowIfNull(oldPrf);
        byte[] data = [.. sharedSecret, .. nonceI, .. nonceR];
        try
        {
            return oldPrf.Compute(oldSkD, data);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>Splits prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) into the seven keys.</summary>
    /// <param name="prf">The negotiated PRF (SK_d, SK_pi and SK_pr take its preferred key length).</param>
    /// <param name="skeyseed">SKEYSEED.</param>
    /// <param name="nonceI">Ni (the body of the Nonce payload).</param>
    /// <param name="nonceR">Nr.</param>
    /// <param name="spiI">The initiator's IKE SPI.</param>
    /// <param name="spiR">The responder's IKE SPI.</param>
    /// <param name="encryption">The encryption key size (for AEAD with the salt).</param>
    /// <param name="integrityKeyLength">The integrity key length; must be 0 with AEAD.</param>
    public static IkeSaKeys Derive(Prf prf, ReadOnlySpan<byte> skeyseed, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> nonceR,
        ulong spiI, ulong spiR, EncryptionKeySize encryption, int integrityKeyLength)
    {
        ArgumentNullException.ThrowIfNull(prf);
        if (encryption.IsAead && integrityKeyLength != 0)
        {
            throw new ArgumentException("An AEAD cipher takes no integrity key (RFC 5282).", nameof(integrityKeyLength));
        }

        byte[] seed = new byte[nonceI.Length + nonceR.Length + (2 * sizeof(ulong))];
        nonceI.CopyTo(seed);
        nonceR.CopyTo(seed.AsSpan(nonceI.Length));
        BinaryPrimitives.WriteUInt64BigEndian(seed.AsSpan(nonceI.Length + nonceR.Length), spiI);
        BinaryPrimitives.WriteUInt64BigEndian(seed.AsSpan(nonceI.Length + nonceR.Length + sizeof(ulong)), spiR);

        int d = prf.PreferredKeyLength, a = integrityKeyLength, e = encryption.Total;
        byte[] keymat = PrfPlus.Derive(prf, skeyseed, seed, (3 * d) + (2 * a) + (2 * e));
        try
        {
            var reader = new KeymatReader(keymat);
            return new IkeSaKeys(reader.Take(d), reader.Take(a), reader.Take(a), reader.Take(e), reader.Take(e), reader.Take(d), reader.Take(d));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keymat);
        }
    }

    /// <summary>Zeroes every key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(SkD);
        CryptographicOperations.ZeroMemory(SkAi);
        CryptographicOperations.ZeroMemory(SkAr);
        CryptographicOperations.ZeroMemory(SkEi);
        CryptographicOperations.ZeroMemory(SkEr);
        CryptographicOperations.ZeroMemory(SkPi);
        CryptographicOperations.ZeroMemory(SkPr);
    }
}
