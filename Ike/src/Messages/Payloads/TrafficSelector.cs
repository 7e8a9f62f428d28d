using System.Buffers.Binary;
using System.Net;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.13.1
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   TS Type     |IP Protocol ID*|       Selector Length         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Start Port*         |           End Port*           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                         Starting Address*                     ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                         Ending Address*                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// One traffic selector (RFC 7296 3.13.1): an address range with a protocol and a port range. Only the IPv4 and IPv6
/// range types are decoded; other types are a decode error (we cannot narrow what we do not understand).
/// </summary>
/// <param name="TsType">IPv4 or IPv6 address range.</param>
/// <param name="IpProtocol">IP protocol (0 = any).</param>
/// <param name="StartPort">First port (or ICMP type/code, RFC 4301).</param>
/// <param name="EndPort">Last port.</param>
/// <param name="StartAddress">First address.</param>
/// <param name="EndAddress">Last address.</param>
public sealed record TrafficSelector(TsType TsType, byte IpProtocol, ushort StartPort, ushort EndPort, IPAddress StartAddress, IPAddress EndAddress)
{
    /// <summary>Offset of the start port.</summary>
    public const int StartPortOffset = 4;

    /// <summary>Offset of the end port.</summary>
    public const int EndPortOffset = StartPortOffset + sizeof(ushort);

    /// <summary>Offset of the starting address.</summary>
    public const int StartAddressOffset = EndPortOffset + sizeof(ushort);

    /// <summary>Length of an IPv4 range selector.</summary>
    public const int Ipv4Length = StartAddressOffset + 4 + 4;

    /// <summary>Length of an IPv6 range selector.</summary>
    public const int Ipv6Length = StartAddressOffset + 16 + 16;

    private int AddressSize => TsType == TsType.Ipv4AddressRange ? 4 : 16;

    /// <summary>Length on the wire.</summary>
    public int GetSerializedLength() => StartAddressOffset + (2 * AddressSize);

    /// <summary>Reads one selector from the front of <paramref name="source"/>.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> source, out TrafficSelector selector, out int consumed)
    {
        selector = null!;
        consumed = 0;
        if (source.Length < StartAddressOffset)
        {
            return false;
        }

        var type = (TsType)source[0];
        int length = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        int addressSize = type switch
        {
            TsType.Ipv4AddressRange when length == Ipv4Length => 4,
            TsType.Ipv6AddressRange when length == Ipv6Length => 16,
            _ => 0,
        };
        if (addressSize == 0 || source.Length < length)
        {
            return false;
        }

        selector = new TrafficSelector(
            type,
            source[1],
            BinaryPrimitives.ReadUInt16BigEndian(source[StartPortOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[EndPortOffset..]),
            new IPAddress(source.Slice(StartAddressOffset, addressSize)),
            new IPAddress(source.Slice(StartAddressOffset + addressSize, addressSize)));
        consumed = length;
        return true;
    }

    /// <summary>Writes the selector; false if the addresses do not match the type.</summary>
    internal bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int size = AddressSize;
        int length = GetSerializedLength();
        if (destination.Length < length || (TsType != TsType.Ipv4AddressRange && TsType != TsType.Ipv6AddressRange))
        {
            return false;
        }

        destination[0] = (byte)TsType;
        destination[1] = IpProtocol;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[StartPortOffset..], StartPort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[EndPortOffset..], EndPort);
        if (!StartAddress.TryWriteBytes(destination.Slice(StartAddressOffset, size), out int a) || a != size ||
            !EndAddress.TryWriteBytes(destination.Slice(StartAddressOffset + size, size), out int b) || b != size)
        {
            return false;
        }

        written = length;
        return true;
    }
}
