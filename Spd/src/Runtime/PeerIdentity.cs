namespace IpsecFw.Spd.Runtime;

/// <summary>
/// What the policy may ask about an authenticated peer (or about this host), taken from its validated certificate by
/// the IKE layer. Plain data: the SPD never parses X.509. Immutable once built.
/// </summary>
public sealed record PeerIdentity
{
    /// <summary>The subject DN in RFC 4514 string form, e.g. <c>CN=host1.example.com,OU=eng,O=Example</c>.</summary>
    public string SubjectDn { get; init; } = string.Empty;

    /// <summary>The subject's common name, or null.</summary>
    public string? CommonName { get; init; }

    /// <summary>Subject OU values.</summary>
    public IReadOnlyList<string> OrganizationalUnits { get; init; } = [];

    /// <summary>subjectAltName dNSName entries.</summary>
    public IReadOnlyList<string> DnsNames { get; init; } = [];

    /// <summary>subjectAltName rfc822Name (e-mail) entries.</summary>
    public IReadOnlyList<string> EmailAddresses { get; init; } = [];

    /// <summary>subjectAltName URI entries.</summary>
    public IReadOnlyList<string> Uris { get; init; } = [];

    /// <summary>The issuer DN in RFC 4514 string form.</summary>
    public string IssuerDn { get; init; } = string.Empty;

    /// <summary>The serial number as hexadecimal (any case, colons and leading zeros allowed).</summary>
    public string SerialHex { get; init; } = string.Empty;

    /// <summary>Start of validity.</summary>
    public DateTimeOffset NotBefore { get; init; }

    /// <summary>End of validity.</summary>
    public DateTimeOffset NotAfter { get; init; }

    /// <summary>
    /// An explicit version carried by a certificate extension, when the IKE layer found one; otherwise null and the
    /// version is the notBefore date (see <see cref="Version"/>).
    /// </summary>
    public long? ExplicitVersion { get; init; }

    /// <summary>The version <c>ver</c> compares: <see cref="ExplicitVersion"/>, else notBefore (UTC) as <c>YYYYMMDD</c>.</summary>
    public long Version
    {
        get
        {
            if (ExplicitVersion is { } v)
            {
                return v;
            }

            DateTime d = NotBefore.UtcDateTime;
            return (d.Year * 10000L) + (d.Month * 100L) + d.Day;
        }
    }
}
