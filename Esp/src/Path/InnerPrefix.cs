using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// An IPv4 or IPv6 address prefix matched against raw address bytes, so the per-packet check needs no
/// <see cref="IPAddress"/>. IPv4 addresses sit in the top 32 bits of the 128-bit value.
/// </summary>
public readonly struct InnerPrefix
{
    private readonly UInt128 _bits;
    private readonly UInt128 _mask;
    private readonly bool _isV6;

    private InnerPrefix(UInt128 bits, int length, bool isV6)
    {
        _mask = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
        _bits = bits & _mask;
        _isV6 = isV6;
        Length = length;
    }

    /// <summary>The prefix length in bits.</summary>
    public int Length { get; }

    /// <summary>The prefix of <paramref name="network"/>.</summary>
    public static InnerPrefix From(IPNetwork network)
    {
        Span<byte> bytes = stackalloc byte[16];
        network.BaseAddress.TryWriteBytes(bytes, out int written);
        bool v6 = network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        return new InnerPrefix(ToBits(bytes[..written]), network.PrefixLength, v6);
    }

    /// <summary>Parses <c>address/length</c>, as <see cref="IPNetwork.Parse(string)"/> does.</summary>
    public static InnerPrefix Parse(string prefix) => From(IPNetwork.Parse(prefix));

    /// <summary>True when <paramref name="address"/> (4 or 16 bytes) lies within the prefix and is of its family.</summary>
    public bool Contains(ReadOnlySpan<byte> address) =>
        address.Length == (_isV6 ? 16 : 4) && (ToBits(address) & _mask) == _bits;

    private static UInt128 ToBits(ReadOnlySpan<byte> address) => address.Length == 16
        ? BinaryPrimitives.ReadUInt128BigEndian(address)
        : (UInt128)BinaryPrimitives.ReadUInt32BigEndian(address) << 96;
}
