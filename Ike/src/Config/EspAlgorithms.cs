using System.Diagnostics.CodeAnalysis;
using IpsecFw.Esp;
using IpsecFw.Esp.Sa;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Config;

/// <summary>The algorithms of a CHILD_SA, read from the chosen ESP proposal.</summary>
/// <param name="Cipher">The ESP engine's AEAD.</param>
/// <param name="ExtendedSequenceNumbers">Whether ESN was chosen.</param>
/// <param name="PfsGroup">The key exchange method for PFS in CREATE_CHILD_SA, or None.</param>
public sealed record EspAlgorithms(EspCipher Cipher, bool ExtendedSequenceNumbers, KeyExchangeMethod PfsGroup)
{
    /// <summary>The KEYMAT layout of one direction (RFC 4106 4: key then 4-byte salt).</summary>
    public EncryptionKeySize KeySize => new(EspSa.KeyLength(Cipher), 4, true);

    /// <summary>Reads a chosen ESP proposal.</summary>
    public static bool TryFrom(Proposal chosen, [NotNullWhen(true)] out EspAlgorithms? algorithms, out string error)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        algorithms = null;
        Transform? enc = chosen.OfType(TransformType.Encryption).FirstOrDefault();
        if (enc is null || chosen.OfType(TransformType.Integrity).Any(t => t.Id != 0))
        {
            error = "the ESP proposal needs one AEAD encryption transform and no integrity transform";
            return false;
        }

        EspCipher? cipher = ((EncryptionAlgorithm)enc.Id, enc.KeyLength) switch
        {
            (EncryptionAlgorithm.AesGcm16, 128) => EspCipher.AesGcm128,
            (EncryptionAlgorithm.AesGcm16, 256) => EspCipher.AesGcm256,
            (EncryptionAlgorithm.ChaCha20Poly1305, null) => EspCipher.ChaCha20Poly1305,
            _ => null,
        };
        if (cipher is null)
        {
            error = $"ESP encryption {(EncryptionAlgorithm)enc.Id}/{enc.KeyLength} is not implemented";
            return false;
        }

        bool esn = chosen.OfType(TransformType.ExtendedSequenceNumbers).FirstOrDefault()?.Id == (ushort)Messages.ExtendedSequenceNumbers.Esn;
        var group = (KeyExchangeMethod)(chosen.OfType(TransformType.KeyExchange).FirstOrDefault()?.Id ?? 0);
        algorithms = new EspAlgorithms(cipher.Value, esn, group);
        error = string.Empty;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Cipher}{(ExtendedSequenceNumbers ? "/ESN" : string.Empty)}";
}
