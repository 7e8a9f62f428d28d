using System.Diagnostics.CodeAnalysis;

namespace IpsecFw.Host.Configuration;

/// <summary>
/// Parses strongSwan-style proposal strings: keywords joined by '-'. IKE: an encryption algorithm, an integrity
/// algorithm unless the encryption is an AEAD, a PRF and a key exchange method, e.g. <c>aes256gcm16-prfsha384-x25519</c>
/// or <c>aes256-sha256-prfsha256-ecp256</c>. ESP (this ESP engine does AEADs only): an AEAD, optionally a key exchange
/// method for PFS, optionally <c>esn</c> or <c>noesn</c>. Thread-safe.
/// </summary>
public static class ProposalParser
{
    /// <summary>AEADs (IKE and ESP).</summary>
    public static IReadOnlyList<string> Aeads { get; } = ["aes128gcm16", "aes256gcm16", "chacha20poly1305"];

    /// <summary>Non-AEAD IKE encryption (AES-CBC).</summary>
    public static IReadOnlyList<string> CbcCiphers { get; } = ["aes128", "aes256"];

    /// <summary>IKE integrity algorithms (HMAC-SHA-2, RFC 4868).</summary>
    public static IReadOnlyList<string> IntegrityAlgorithms { get; } = ["sha256", "sha384", "sha512"];

    /// <summary>PRFs.</summary>
    public static IReadOnlyList<string> Prfs { get; } = ["prfsha256", "prfsha384", "prfsha512"];

    /// <summary>Key exchange methods.</summary>
    public static IReadOnlyList<string> KeyExchanges { get; } =
        ["x25519", "x448", "ecp256", "ecp384", "ecp521", "modp2048", "modp3072", "modp4096"];

    /// <summary>Parses an IKE proposal; on failure <paramref name="error"/> says why in a phrase.</summary>
    public static bool TryParseIke(string text, [NotNullWhen(true)] out IkeProposal? proposal, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        proposal = null;
        string[] parts = text.Split('-');
        if (Unknown(parts, [.. Aeads, .. CbcCiphers, .. IntegrityAlgorithms, .. Prfs, .. KeyExchanges]) is { } bad)
        {
            error = bad;
            return false;
        }

        string? encryption = parts.FirstOrDefault(p => Aeads.Contains(p) || CbcCiphers.Contains(p));
        string? integrity = parts.FirstOrDefault(IntegrityAlgorithms.Contains);
        string? prf = parts.FirstOrDefault(Prfs.Contains);
        string? ke = parts.FirstOrDefault(KeyExchanges.Contains);
        error = encryption is null ? "no encryption algorithm"
            : CbcCiphers.Contains(encryption) && integrity is null ? $"'{encryption}' needs an integrity algorithm"
            : Aeads.Contains(encryption) && integrity is not null ? $"'{encryption}' is an AEAD and takes no integrity algorithm"
            : prf is null ? "no PRF (prfsha256, prfsha384 or prfsha512)"
            : ke is null ? "no key exchange method"
            : parts.Length != (integrity is null ? 3 : 4) ? "an algorithm of some kind is given twice"
            : null;
        if (error is not null)
        {
            return false;
        }

        proposal = new IkeProposal(encryption!, integrity, prf!, ke!);
        return true;
    }

    /// <summary>Parses an ESP proposal; on failure <paramref name="error"/> says why in a phrase.</summary>
    public static bool TryParseEsp(string text, [NotNullWhen(true)] out EspProposal? proposal, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        proposal = null;
        string[] parts = text.Split('-');
        if (Unknown(parts, [.. Aeads, .. KeyExchanges, "esn", "noesn"]) is { } bad)
        {
            error = bad;
            return false;
        }

        string? encryption = parts.FirstOrDefault(Aeads.Contains);
        string? ke = parts.FirstOrDefault(KeyExchanges.Contains);
        int esn = parts.Count(p => p is "esn" or "noesn");
        error = encryption is null ? "no AEAD (aes128gcm16, aes256gcm16 or chacha20poly1305)"
            : esn > 1 ? "'esn' and 'noesn' given together"
            : parts.Length != 1 + (ke is null ? 0 : 1) + esn ? "an algorithm of some kind is given twice"
            : null;
        if (error is not null)
        {
            return false;
        }

        proposal = new EspProposal(encryption!, ke, parts.Contains("esn"));
        return true;
    }

    private static string? Unknown(string[] parts, string[] known)
    {
        foreach (string p in parts)
        {
            if (!known.Contains(p))
            {
                return p.Length == 0 ? "an empty algorithm name" : $"unknown algorithm '{p}'";
            }
        }

        return null;
    }
}
