using System.Security.Cryptography;

namespace IpsecFw.Ike.Keys;

/// <summary>
/// The keys of one CHILD_SA (RFC 7296 2.17):
/// <code>
/// KEYMAT = prf+(SK_d, Ni | Nr)                  (no PFS)
/// KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)     (with a KE exchange in CREATE_CHILD_SA)
/// </code>
/// taken in the order: encryption key then integrity key for the initiator-to-responder SA, then the same for the
/// responder-to-initiator SA. With an AEAD cipher there is no integrity key and the encryption key carries the salt
/// (RFC 4106 8.1). Owned by one CHILD_SA; <see cref="Dispose"/> zeroes the keys. Not safe for concurrent use.
/// </summary>
public sealed class ChildSaKeys : IDisposable
{
    private ChildSaKeys(byte[] encryptionI, byte[] integrityI, byte[] encryptionR, byte[] integrityR)
    {
        EncryptionInitiatorToResponder = encryptionI;
        IntegrityInitiatorToResponder = integrityI;
        EncryptionResponderToInitiator = encryptionR;
        IntegrityResponderToInitiator = integrityR;
    }

    /// <summary>Encryption key (and salt) of the SA carrying traffic from the initiator to the responder.</summary>
    public byte[] EncryptionInitiatorToResponder { get; }

    /// <summary>Integrity key of the initiator-to-responder SA (empty with AEAD).</summary>
    public byte[] IntegrityInitiatorToResponder { get; }

    /// <summary>Encryption key (and salt) of the SA carrying traffic from the responder to the initiator.</summary>
    public byte[] EncryptionResponderToInitiator { get; }

    /// <summary>Integrity key of the responder-to-initiator SA (empty with AEAD).</summary>
    public byte[] IntegrityResponderToInitiator { get; }

    /// <summary>Derives the keys.</summary>
    /// <param name="prf">The IKE SA's PRF.</param>
    /// <param name="skD">SK_d of the IKE SA.</param>
    /// <param name="nonceI">Ni of the exchange that creates the CHILD_SA.</param>
    /// <param name="nonceR">Nr of that exchange.</param>
    /// <param name="pfsSharedSecret">g^ir of a KE exchange in CREATE_CHILD_SA; empty without PFS.</param>
    /// <param name="encryption">The ESP encryption key size.</param>
    /// <param name="integrityKeyLength">The ESP integrity key length; must be 0 with AEAD.</param>
    public static ChildSaKeys Derive(Prf prf, ReadOnlySpan<byte> skD, ReadOnlySpan<byte> nonceI, ReadOnlySpan<byte> nonceR,
        ReadOnlySpan<byte> pfsSharedSecret, EncryptionKeySize encryption, int integrityKeyLength)
    {
        ArgumentNullException.ThrowIfNull(prf);
        if (encryption.IsAead && integrityKeyLength != 0)
        {
            throw new ArgumentException("An AEAD cipher takes no integrity key (RFC 4106).", nameof(integrityKeyLength));
        }

        byte[] seed = [.. pfsSharedSecret, .. nonceI, .. nonceR];
        int e = encryption.Total, a = integrityKeyLength;
        byte[] keymat = PrfPlus.Derive(prf, skD, seed, 2 * (e + a));
        try
        {
            var reader = new KeymatReader(keymat);
            return new ChildSaKeys(reader.Take(e), reader.Take(a), reader.Take(e), reader.Take(a));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(keymat);
        }
    }

    /// <summary>Zeroes the keys.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(EncryptionInitiatorToResponder);
        CryptographicOperations.ZeroMemory(IntegrityInitiatorToResponder);
        CryptographicOperations.ZeroMemory(EncryptionResponderToInitiator);
        CryptographicOperations.ZeroMemory(IntegrityResponderToInitiator);
    }
}
