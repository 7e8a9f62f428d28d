namespace IpsecFw.Spd.Packets;

/// <summary>Offsets and values of the IPv4 (RFC 791 3.1) and IPv6 (RFC 8200 3, 4) headers the SPD reads.</summary>
internal static class IpHeaders
{
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |Version|  IHL  |Type of Service|          Total Length         |
    // |         Identification        |Flags|      Fragment Offset    |
    // |  Time to Live |    Protocol   |         Header Checksum       |
    // |                       Source Address                          |
    // |                    Destination Address                        |
    public const int V4MinHeader = 20;
    public const int V4TotalLengthOffset = 2;
    public const int V4IdOffset = V4TotalLengthOffset + 2;
    public const int V4FlagsOffset = V4IdOffset + 2;
    public const int V4TtlOffset = V4FlagsOffset + 2;
    public const int V4ProtocolOffset = V4TtlOffset + 1;
    public const int V4ChecksumOffset = V4ProtocolOffset + 1;
    public const int V4SourceOffset = V4ChecksumOffset + 2;
    public const int V4DestinationOffset = V4SourceOffset + 4;
    public const ushort V4MoreFragments = 0x2000;
    public const ushort V4OffsetMask = 0x1FFF;

    // | Version| Traffic Class |           Flow Label                  |
    // |         Payload Length        |  Next Header  |   Hop Limit   |
    // |                Source Address (16)  |  Destination Address (16) |
    public const int V6Header = 40;
    public const int V6PayloadLengthOffset = 4;
    public const int V6NextHeaderOffset = V6PayloadLengthOffset + 2;
    public const int V6SourceOffset = 8;
    public const int V6DestinationOffset = V6SourceOffset + 16;

    // IPv6 Fragment header (RFC 8200 4.5): Next Header, Reserved, Fragment Offset (13 bits) | Res | M, Identification.
    public const int V6FragmentHeader = 8;
    public const ushort V6MoreFragments = 0x0001;
    public const ushort V6OffsetMask = 0xFFF8;

    public const byte HopByHop = 0;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;
    public const byte Mobility = 135;
    public const byte Hip = 139;
    public const byte Shim6 = 140;
    public const byte Experiment1 = 253;
    public const byte Experiment2 = 254;

    /// <summary>True for the IPv6 extension headers in the "Hdr Ext Len in 8-octet units" format (RFC 8200 4, RFC 7045).</summary>
    public static bool IsGenericExtension(byte next) =>
        next is HopByHop or Routing or DestinationOptions or Mobility or Hip or Shim6 or Experiment1 or Experiment2;

    /// <summary>The smallest upper-layer header the SPD must see whole: TCP 20, UDP 8, SCTP 12, ICMP/ICMPv6 8, else 0.</summary>
    public static int MinTransportHeader(byte protocol) => protocol switch
    {
        6 => 20,
        17 => 8,
        132 => 12,
        1 or 58 => 8,
        _ => 0,
    };
}
