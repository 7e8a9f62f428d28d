using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace IpsecFw.Ike.Sa;

/// <summary>NAT detection hashes (RFC 7296 2.23): SHA-1(SPIi | SPIr | IP | port), SPIs as in the message header.</summary>
public static class NatDetection
{
    /// <summary>Length of a hash.</summary>
    public const int HashLength = 20;

    /// <summary>The hash for <paramref name="endPoint"/>.</summary>
    public static byte[] Hash(ulong spiI, ulong spiR, IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        IPAddress address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        Span<byte> input = stackalloc byte[8 + 8 + 16 + 2];
        BinaryPrimitives.WriteUInt64BigEndian(input, spiI);
        BinaryPrimitives.WriteUInt64BigEndian(input[8..], spiR);
        address.TryWriteBytes(input[16..], out int n);
        BinaryPrimitives.WriteUInt16BigEndian(input[(16 + n)..], (ushort)endPoint.Port);
#pragma warning disable CA5350 // RFC 7296 2.23 fixes SHA-1 for NAT detection; it is a change detector, not a security function.
        return SHA1.HashData(input[..(16 + n + 2)]);
#pragma warning restore CA5350
    }
}
