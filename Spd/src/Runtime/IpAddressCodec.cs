using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The compact 128-bit address form used by <see cref="FlowKey"/> and <see cref="AddressSet"/>: an IPv6 address as its
/// 128-bit big-endian value, an IPv4 address as the IPv4-mapped IPv6 address <c>::ffff:a.b.c.d</c> (RFC 4291 2.5.5.2),
/// so one comparison serves both families and an IPv4 group can never match an IPv6 packet.
/// </summary>
public static class IpAddressCodec
{
    private static readonly UInt128 s_v4Mapped = (UInt128)0xFFFF << 32;

    /// <summary>The 128-bit form of an IPv4 address given as a host-order integer.</summary>
    public static UInt128 FromIPv4(uint address) => s_v4Mapped | address;

    /// <summary>The 128-bit form of any address (allocates nothing).</summary>
    public static UInt128 FromIPAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>True when the value is an IPv4-mapped address.</summary>
    public static bool IsIPv4(UInt128 value) => value >> 32 == (UInt128)0xFFFF;

    /// <summary>Back to an <see cref="IPAddress"/> (for messages and tools; allocates).</summary>
    public static IPAddress ToIPAddress(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return IsIPv4(value) ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
    }

    /// <summary>
    /// Strictly parses one address of the given family: IPv4 only as four decimal octets (no <c>10.1</c> shorthand, no
    /// leading zeros that could be read as octal), IPv6 in RFC 4291 text form without a zone.
    /// </summary>
    public static bool TryParse(string text, IpVersion version, out UInt128 value)
    {
        value = default;
        if (version == IpVersion.V4)
        {
            string[] parts = text.Split('.');
            if (parts.Length != 4)
            {
                return false;
            }

            uint v = 0;
            foreach (string p in parts)
            {
                if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit))
                {
                    return false;
                }

                int octet = int.Parse(p, CultureInfo.InvariantCulture);
                if (octet > 255)
                {
                    return false;
                }

                v = (v << 8) | (uint)octet;
            }

            value = FromIPv4(v);
            return true;
        }

        if (!text.Contains(':', StringComparison.Ordinal) || text.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        value = FromIPAddress(address);
        return true;
    }

    /// <summary>Parses an address of either family (IPv4 strictly, as <see cref="TryParse(string, IpVersion, out UInt128)"/>).</summary>
    public static bool TryParseAny(string text, out UInt128 value) =>
        TryParse(text, IpVersion.V4, out value) || TryParse(text, IpVersion.V6, out value);
}
