namespace IpsecFw.Spd.Runtime;

/// <summary>
/// One compiled <c>x509{...}</c>: every predicate must hold. Used once per peer, by
/// <see cref="PolicySnapshot.AuthorizePeer"/>, never per packet. Immutable.
/// </summary>
public sealed class X509Matcher
{
    /// <summary>The SAN URI prefix that puts a certificate in a <c>group</c>: <c>urn:ipsecfw:group:NAME</c>.</summary>
    public const string GroupUriPrefix = "urn:ipsecfw:group:";

    /// <summary>Creates a matcher.</summary>
    public X509Matcher(IReadOnlyList<string> names, IReadOnlyList<string> dns, IReadOnlyList<string> issuers,
        IReadOnlyList<string> serials, IReadOnlyList<string> groups, long minVersion, long maxVersion)
    {
        Names = names;
        Dns = dns;
        Issuers = issuers;
        Serials = serials;
        Groups = groups;
        MinVersion = minVersion;
        MaxVersion = maxVersion;
    }

    /// <summary><c>name</c> patterns: each must match the CN or a SAN DNS, e-mail or URI entry.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary><c>dn</c> patterns, matched against the subject DN.</summary>
    public IReadOnlyList<string> Dns { get; }

    /// <summary><c>issuer</c> patterns, matched against the issuer DN.</summary>
    public IReadOnlyList<string> Issuers { get; }

    /// <summary><c>serial</c> values, normalised (lower-case hex, no colons, no leading zeros).</summary>
    public IReadOnlyList<string> Serials { get; }

    /// <summary><c>group</c> names: a subject OU, or a SAN URI <c>urn:ipsecfw:group:NAME</c>.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Lowest accepted version (inclusive).</summary>
    public long MinVersion { get; }

    /// <summary>Highest accepted version (inclusive).</summary>
    public long MaxVersion { get; }

    /// <summary>True when the identity satisfies every predicate.</summary>
    public bool Matches(PeerIdentity id)
    {
        long version = id.Version;
        if (version < MinVersion || version > MaxVersion)
        {
            return false;
        }

        foreach (string pattern in Names)
        {
            if (!NameMatches(pattern, id))
            {
                return false;
            }
        }

        foreach (string pattern in Dns)
        {
            if (!Glob.IsMatch(pattern, id.SubjectDn))
            {
                return false;
            }
        }

        foreach (string pattern in Issuers)
        {
            if (!Glob.IsMatch(pattern, id.IssuerDn))
            {
                return false;
            }
        }

        foreach (string serial in Serials)
        {
            if (!string.Equals(serial, NormaliseSerial(id.SerialHex), StringComparison.Ordinal))
            {
                return false;
            }
        }

        foreach (string group in Groups)
        {
            if (!InGroup(group, id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Lower-case hex without colons, spaces or leading zeros ("0" for zero).</summary>
    public static string NormaliseSerial(string hex)
    {
        string s = new string([.. hex.Where(c => c is not (':' or ' '))]).ToLowerInvariant().TrimStart('0');
        return s.Length == 0 ? "0" : s;
    }

    private static bool NameMatches(string pattern, PeerIdentity id)
    {
        if (id.CommonName is { } cn && Glob.IsMatch(pattern, cn))
        {
            return true;
        }

        return AnyMatch(pattern, id.DnsNames) || AnyMatch(pattern, id.EmailAddresses) || AnyMatch(pattern, id.Uris);
    }

    private static bool AnyMatch(string pattern, IReadOnlyList<string> values)
    {
        foreach (string v in values)
        {
            if (Glob.IsMatch(pattern, v))
            {
                return true;
            }
        }

        return false;
    }

    private static bool InGroup(string group, PeerIdentity id)
    {
        foreach (string ou in id.OrganizationalUnits)
        {
            if (string.Equals(ou, group, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (string uri in id.Uris)
        {
            if (uri.Length == GroupUriPrefix.Length + group.Length
                && uri.StartsWith(GroupUriPrefix, StringComparison.OrdinalIgnoreCase)
                && uri.AsSpan(GroupUriPrefix.Length).Equals(group, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
