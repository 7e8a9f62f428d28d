namespace IpsecFw.Ike.Messages;

/// <summary>Identification types (RFC 7296 3.5).</summary>
public enum IdType : byte
{
    /// <summary>ID_IPV4_ADDR.</summary>
    Ipv4Address = 1,

    /// <summary>ID_FQDN.</summary>
    Fqdn = 2,

    /// <summary>ID_RFC822_ADDR.</summary>
    Rfc822Address = 3,

    /// <summary>ID_IPV6_ADDR.</summary>
    Ipv6Address = 5,

    /// <summary>ID_DER_ASN1_DN.</summary>
    DerAsn1Dn = 9,

    /// <summary>ID_DER_ASN1_GN.</summary>
    DerAsn1Gn = 10,

    /// <summary>ID_KEY_ID.</summary>
    KeyId = 11,

    /// <summary>ID_FC_NAME (RFC 4595).</summary>
    FibreChannel = 12,

    /// <summary>ID_NULL (RFC 7619).</summary>
    Null = 13,
}
