namespace IpsecFw.Ike.Messages;

/// <summary>Traffic selector types (RFC 7296 3.13.1).</summary>
public enum TsType : byte
{
    /// <summary>TS_IPV4_ADDR_RANGE.</summary>
    Ipv4AddressRange = 7,

    /// <summary>TS_IPV6_ADDR_RANGE.</summary>
    Ipv6AddressRange = 8,

    /// <summary>TS_FC_ADDR_RANGE (RFC 4595).</summary>
    FibreChannelAddressRange = 9,

    /// <summary>TS_SECLABEL (RFC 9478).</summary>
    SecurityLabel = 10,
}
