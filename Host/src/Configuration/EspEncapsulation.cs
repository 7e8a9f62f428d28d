namespace IpsecFw.Host.Configuration;

/// <summary>How ESP travels between the peers (JSON: <c>force</c>, <c>auto</c>; <c>ike.encapsulation</c>).</summary>
public enum EspEncapsulation
{
    /// <summary>
    /// Always in UDP on <c>ike.natPort</c> (RFC 3948): NAT detection is faked (RFC 7296 2.23 allows it), like
    /// strongSwan's <c>encap = yes</c>; what strongSwan's kernel-libipsec needs.
    /// </summary>
    Force,

    /// <summary>
    /// In UDP only when NAT detection finds a NAT between the peers (RFC 7296 2.23, RFC 3948); otherwise raw ESP
    /// (IP protocol 50) on a raw socket bound to <c>ike.localAddress</c>.
    /// </summary>
    Auto,
}
