namespace IpsecFw.Ike.Messages;

/// <summary>Configuration attribute types (RFC 7296 3.15.1; IANA "IKEv2 Configuration Payload Attribute Types").</summary>
public enum ConfigurationAttributeType : ushort
{
    /// <summary>INTERNAL_IP4_ADDRESS.</summary>
    InternalIp4Address = 1,

    /// <summary>INTERNAL_IP4_NETMASK.</summary>
    InternalIp4Netmask = 2,

    /// <summary>INTERNAL_IP4_DNS.</summary>
    InternalIp4Dns = 3,

    /// <summary>INTERNAL_IP4_NBNS.</summary>
    InternalIp4Nbns = 4,

    /// <summary>INTERNAL_IP4_DHCP.</summary>
    InternalIp4Dhcp = 6,

    /// <summary>APPLICATION_VERSION.</summary>
    ApplicationVersion = 7,

    /// <summary>INTERNAL_IP6_ADDRESS.</summary>
    InternalIp6Address = 8,

    /// <summary>INTERNAL_IP6_DNS.</summary>
    InternalIp6Dns = 10,

    /// <summary>INTERNAL_IP6_DHCP.</summary>
    InternalIp6Dhcp = 12,

    /// <summary>INTERNAL_IP4_SUBNET.</summary>
    InternalIp4Subnet = 13,

    /// <summary>SUPPORTED_ATTRIBUTES.</summary>
    SupportedAttributes = 14,

    /// <summary>INTERNAL_IP6_SUBNET.</summary>
    InternalIp6Subnet = 15,

    /// <summary>INTERNAL_DNS_DOMAIN (RFC 8598).</summary>
    InternalDnsDomain = 25,
}
