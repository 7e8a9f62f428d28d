using System.Diagnostics.CodeAnalysis;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Config;

/// <summary>The algorithms of an IKE SA, read from the chosen proposal (one transform of each type).</summary>
/// <param name="Cipher">Encryption and integrity of SK payloads.</param>
/// <param name="Prf">The PRF.</param>
/// <param name="Group">The key exchange method.</param>
public sealed record IkeAlgorithms(IkeCipherSuite Cipher, Prf Prf, KeyExchangeMethod Group)
{
    /// <summary>Reads a chosen proposal; false with a reason when it names something we do not implement.</summary>
    public static bool TryFrom(Proposal chosen, [NotNullWhen(true)] out IkeAlgorithms? algorithms, out string error)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        algorithms = null;
        Transform? enc = chosen.OfType(TransformType.Encryption).FirstOrDefault();
        Transform? prf = chosen.OfType(TransformType.Prf).FirstOrDefault();
        Transform? integ = chosen.OfType(TransformType.Integrity).FirstOrDefault();
        Transform? ke = chosen.OfType(TransformType.KeyExchange).FirstOrDefault();
        if (enc is null || prf is null || ke is null)
        {
            error = "the proposal lacks an encryption, PRF or key exchange transform";
            return false;
        }

        var integrity = integ is null ? IntegrityAlgorithm.None : (IntegrityAlgorithm)integ.Id;
        if (!IkeCipherSuite.TryGet((EncryptionAlgorithm)enc.Id, enc.KeyLength, integrity, out IkeCipherSuite? suite))
        {
            error = $"encryption {(EncryptionAlgorithm)enc.Id}/{enc.KeyLength} with {integrity} is not implemented";
            return false;
        }

        if (!Prf.TryGet((PrfAlgorithm)prf.Id, out Prf? p))
        {
            error = $"PRF {(PrfAlgorithm)prf.Id} is not implemented";
            return false;
        }

        algorithms = new IkeAlgorithms(suite, p, (KeyExchangeMethod)ke.Id);
        error = string.Empty;
        return true;
    }

    /// <summary>strongSwan-style name, e.g. <c>aes256gcm16/prfsha384/ecp384</c>.</summary>
    public override string ToString() => $"{Cipher.Name}/{Prf.Algorithm}/{Group}";
}
