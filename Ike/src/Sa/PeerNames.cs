using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Sa;

/// <summary>How a peer is named in log lines and the SA list: its subject DN, else its first SAN name.</summary>
public static class PeerNames
{
    /// <summary>The subject DN, else the first DNS name, e-mail address or URI, else "(unnamed peer)".</summary>
    public static string Describe(PeerIdentity? peer) =>
        peer is null ? "(unauthenticated)"
        : peer.SubjectDn.Length > 0 ? peer.SubjectDn
        : First(peer.DnsNames) ?? First(peer.EmailAddresses) ?? First(peer.Uris) ?? "(unnamed peer)";

    private static string? First(IReadOnlyList<string> names) => names.Count > 0 ? names[0] : null;
}
