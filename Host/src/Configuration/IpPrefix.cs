using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IpsecFw.Host.Configuration;

/// <summary>An address and a prefix length (<c>198.18.0.1/24</c>, <c>2001:2::/48</c>), parsed strictly. Immutable.</summary>
/// <param name="Address">The address as written (host bits may be set).</param>
/// <param name="Length">The prefix length.</param>
public readonly record struct IpPrefix(IPAddress Address, int Length)
{
    /// <summary>The address with the host bits cleared.</summary>
    public IPAddress Network => FromBits(Bits(Address) & Mask(Address.AddressFamily, Length), Address.AddressFamily);

    /// <summary>True when the host bits of <see cref="Address"/> are all zero.</summary>
    public bool IsNetwork => Network.Equals(Address);

    /// <summary>True when the two prefixes share any address (same family only).</summary>
    public bool Overlaps(IpPrefix other)
    {
        if (Address.AddressFamily != other.Address.AddressFamily)
        {
            return false;
        }

        int shorter = Math.Min(Length, other.Length);
        UInt128 mask = Mask(Address.AddressFamily, shorter);
        return (Bits(Address) & mask) == (Bits(other.Address) & mask);
    }

    /// <summary>Parses <c>ADDRESS/LENGTH</c> with a strict address (see <see cref="TryParseAddress"/>).</summary>
    public static bool TryParse(string? text, out IpPrefix prefix)
    {
        prefix = default;
        if (text is null)
        {
            return false;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseAddress(text[..slash], out IPAddress? address))
        {
            return false;
        }

        string lengthText = text[(slash + 1)..];
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (lengthText.Length is 0 or > 3 || !lengthText.All(char.IsAsciiDigit)
            || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > max)
        {
            return false;
        }

        prefix = new IpPrefix(address, length);
        return true;
    }

    /// <summary>
    /// Parses an IPv4 address in four-part dotted decimal (no shorthand such as <c>10.1</c>, no leading zeros) or an
    /// IPv6 address without a scope.
    /// </summary>
    public static bool TryParseAddress(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text) || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        string[] parts = text.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit)
            || (p.Length > 1 && p[0] == '0') || int.Parse(p, CultureInfo.InvariantCulture) > 255))
        {
            return false;
        }

        return IPAddress.TryParse(text, out address);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{Length}";

    private static UInt128 Bits(IPAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        UInt128 v = 0;
        foreach (byte b in bytes)
        {
            v = (v << 8) | b;
        }

        return v;
    }

    private static UInt128 Mask(AddressFamily family, int length)
    {
        int width = family == AddressFamily.InterNetwork ? 32 : 128;
        UInt128 all = width == 32 ? uint.MaxValue : UInt128.MaxValue;
        return length == 0 ? 0 : all & ~((UInt128.One << (width - length)) - 1) & all;
    }

    private static IPAddress FromBits(UInt128 v, AddressFamily family)
    {
        int width = family == AddressFamily.InterNetwork ? 4 : 16;
        var bytes = new byte[width];
        for (int i = width - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(v & 0xFF);
            v >>= 8;
        }

        return new IPAddress(bytes);
    }
}
