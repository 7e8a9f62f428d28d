using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Config;

/// <summary>
/// Parses proposals written as strongSwan writes them in swanctl.conf (<c>aes256gcm16-prfsha384-ecp384</c>,
/// <c>aes128-sha256-modp2048</c>, <c>aes256gcm16-esn</c>), so that one configuration vocabulary serves both. Each
/// token adds one transform; a proposal may list several of a type, and the order is the preference.
/// </summary>
public static class ProposalParser
{
    private static readonly Dictionary<string, (EncryptionAlgorithm Alg, ushort? Bits)> s_encryption = new(StringComparer.OrdinalIgnoreCase)
    {
        ["aes128"] = (EncryptionAlgorithm.AesCbc, 128),
        ["aes256"] = (EncryptionAlgorithm.AesCbc, 256),
        ["aes128gcm16"] = (EncryptionAlgorithm.AesGcm16, 128),
        ["aes256gcm16"] = (EncryptionAlgorithm.AesGcm16, 256),
        ["aes128gcm"] = (EncryptionAlgorithm.AesGcm16, 128),
        ["aes256gcm"] = (EncryptionAlgorithm.AesGcm16, 256),
        ["chacha20poly1305"] = (EncryptionAlgorithm.ChaCha20Poly1305, null),
    };

    private static readonly Dictionary<string, IntegrityAlgorithm> s_integrity = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sha256"] = IntegrityAlgorithm.HmacSha256Bits128,
        ["sha384"] = IntegrityAlgorithm.HmacSha384Bits192,
        ["sha512"] = IntegrityAlgorithm.HmacSha512Bits256,
    };

    private static readonly Dictionary<string, PrfAlgorithm> s_prf = new(StringComparer.OrdinalIgnoreCase)
    {
        ["prfsha256"] = PrfAlgorithm.HmacSha256,
        ["prfsha384"] = PrfAlgorithm.HmacSha384,
        ["prfsha512"] = PrfAlgorithm.HmacSha512,
    };

    private static readonly Dictionary<string, KeyExchangeMethod> s_groups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["modp2048"] = KeyExchangeMethod.Modp2048,
        ["ecp256"] = KeyExchangeMethod.Ecp256,
        ["ecp384"] = KeyExchangeMethod.Ecp384,
        ["ecp521"] = KeyExchangeMethod.Ecp521,
        ["x25519"] = KeyExchangeMethod.Curve25519,
        ["curve25519"] = KeyExchangeMethod.Curve25519,
    };

    /// <summary>The default IKE proposal: AES-GCM-16 256/128, PRF SHA-384/256, groups 31, 19, 20, 14.</summary>
    public const string DefaultIke = "aes256gcm16-aes128gcm16-prfsha384-prfsha256-x25519-ecp256-ecp384-modp2048";

    /// <summary>The default ESP proposal: AES-GCM-16 256/128, ESN or not.</summary>
    public const string DefaultEsp = "aes256gcm16-aes128gcm16-esn-noesn";

    /// <summary>Parses an IKE proposal. Rules of RFC 7296 3.3.3: encryption, PRF and a group are required; integrity
    /// is required with a non-AEAD cipher and forbidden with an AEAD one. Without an explicit PRF, the PRF follows the
    /// integrity algorithm (as strongSwan does).</summary>
    public static bool TryParseIke(string text, byte number, out Proposal proposal, out string error) =>
        TryParse(text, number, ProtocolId.Ike, out proposal, out error);

    /// <summary>Parses an ESP proposal (encryption, optional integrity, optional group for PFS, esn/noesn).</summary>
    public static bool TryParseEsp(string text, byte number, out Proposal proposal, out string error) =>
        TryParse(text, number, ProtocolId.Esp, out proposal, out error);

    /// <summary>Parses a comma-separated list of proposals, numbered from 1.</summary>
    public static bool TryParseList(string text, ProtocolId protocol, out IReadOnlyList<Proposal> proposals, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<Proposal>();
        proposals = list;
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            error = "no proposal given";
            return false;
        }

        for (int i = 0; i < parts.Length; i++)
        {
            if (!TryParse(parts[i], (byte)(i + 1), protocol, out Proposal p, out error))
            {
                return false;
            }

            list.Add(p);
        }

        error = string.Empty;
        return true;
    }

    private static bool TryParse(string text, byte number, ProtocolId protocol, out Proposal proposal, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        proposal = null!;
        var enc = new List<Transform>();
        var integ = new List<Transform>();
        var prf = new List<Transform>();
        var groups = new List<Transform>();
        var esn = new List<Transform>();
        bool aead = false, cbc = false;
        foreach (string token in text.Split('-', StringSplitOptions.TrimEntries))
        {
            if (s_encryption.TryGetValue(token, out var e))
            {
                bool isAead = e.Alg != EncryptionAlgorithm.AesCbc;
                if (protocol == ProtocolId.Esp && !isAead)
                {
                    error = $"'{token}': the ESP engine implements AEAD ciphers only (aes128gcm16, aes256gcm16, chacha20poly1305)";
                    return false;
                }

                aead |= isAead;
                cbc |= !isAead;
                enc.Add(Transform.Encryption(e.Alg, e.Bits));
            }
            else if (s_integrity.TryGetValue(token, out IntegrityAlgorithm i))
            {
                integ.Add(new Transform(TransformType.Integrity, (ushort)i));
                if (protocol == ProtocolId.Ike && prf.Count == 0 && !text.Contains("prf", StringComparison.OrdinalIgnoreCase))
                {
                    // strongSwan: without a PRF token, the PRF follows the integrity algorithm.
                    prf.Add(new Transform(TransformType.Prf, (ushort)IntegrityToPrf(i)));
                }
            }
            else if (protocol == ProtocolId.Ike && s_prf.TryGetValue(token, out PrfAlgorithm p))
            {
                prf.Add(new Transform(TransformType.Prf, (ushort)p));
            }
            else if (s_groups.TryGetValue(token, out KeyExchangeMethod g))
            {
                groups.Add(new Transform(TransformType.KeyExchange, (ushort)g));
            }
            else if (protocol == ProtocolId.Esp && token.Equals("esn", StringComparison.OrdinalIgnoreCase))
            {
                esn.Add(new Transform(TransformType.ExtendedSequenceNumbers, (ushort)ExtendedSequenceNumbers.Esn));
            }
            else if (protocol == ProtocolId.Esp && token.Equals("noesn", StringComparison.OrdinalIgnoreCase))
            {
                esn.Add(new Transform(TransformType.ExtendedSequenceNumbers, (ushort)ExtendedSequenceNumbers.NoEsn));
            }
            else
            {
                error = $"'{token}' is not a known algorithm in '{text}'";
                return false;
            }
        }

        if (enc.Count == 0)
        {
            error = $"'{text}' names no encryption algorithm";
            return false;
        }

        if (aead && cbc)
        {
            error = $"'{text}' mixes AEAD and non-AEAD ciphers in one proposal (RFC 7296 3.3)";
            return false;
        }

        if (protocol == ProtocolId.Ike)
        {
            if (cbc && integ.Count == 0)
            {
                error = $"'{text}': a non-AEAD cipher needs an integrity algorithm";
                return false;
            }

            if (aead && integ.Count != 0)
            {
                error = $"'{text}': an AEAD cipher takes no integrity algorithm";
                return false;
            }

            if (prf.Count == 0)
            {
                error = $"'{text}' names no PRF";
                return false;
            }

            if (groups.Count == 0)
            {
                error = $"'{text}' names no key exchange group";
                return false;
            }
        }
        else if (esn.Count == 0)
        {
            esn.Add(new Transform(TransformType.ExtendedSequenceNumbers, (ushort)ExtendedSequenceNumbers.NoEsn));
        }

        proposal = new Proposal(number, protocol, [], [.. enc, .. prf, .. integ, .. groups, .. esn]);
        error = string.Empty;
        return true;
    }

    private static PrfAlgorithm IntegrityToPrf(IntegrityAlgorithm i) => i switch
    {
        IntegrityAlgorithm.HmacSha384Bits192 => PrfAlgorithm.HmacSha384,
        IntegrityAlgorithm.HmacSha512Bits256 => PrfAlgorithm.HmacSha512,
        _ => PrfAlgorithm.HmacSha256,
    };
}
