using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Packet;

/// <summary>
/// Batch forms of the packet operations, over pooled <see cref="PacketBuffer"/>s as the data-path loops hold them
/// (wireguard-go's shape: read a batch, process it in place, write a batch). Each buffer's Offset and Length are
/// updated in place on success and left alone on failure; the per-packet outcome goes to <c>results</c>.
/// </summary>
public static class PacketBatch
{
    /// <summary>Tunnel-mode encapsulation of every inner packet in <paramref name="packets"/> with one SA.</summary>
    /// <returns>How many packets were encapsulated.</returns>
    public static int EncapsulateTunnel(EspSa sa, ReadOnlySpan<PacketBuffer> packets, Span<EspStatus> results)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(results.Length, packets.Length);
        int ok = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            PacketBuffer p = packets[i];
            results[i] = Encapsulator.EncapsulateTunnel(sa, p.Bytes, p.Offset, p.Length, out int offset, out int length);
            if (results[i] == EspStatus.Ok)
            {
                p.Offset = offset;
                p.Length = length;
                ok++;
            }
        }

        return ok;
    }

    /// <summary>
    /// Seals every payload in <paramref name="packets"/> with one SA, for sending through a UDP socket (the kernel adds
    /// IP and UDP): each buffer then holds the ESP packet.
    /// </summary>
    public static int Seal(EspSa sa, ReadOnlySpan<PacketBuffer> packets, byte nextHeader, Span<EspStatus> results)
    {
        ArgumentNullException.ThrowIfNull(sa);
        ArgumentOutOfRangeException.ThrowIfLessThan(results.Length, packets.Length);
        int ok = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            PacketBuffer p = packets[i];
            results[i] = sa.Seal(p.Bytes, p.Offset, p.Length, nextHeader, out int offset, out int length);
            if (results[i] == EspStatus.Ok)
            {
                p.Offset = offset;
                p.Length = length;
                ok++;
            }
        }

        return ok;
    }

    /// <summary>
    /// Opens every UDP/4500 datagram payload in <paramref name="packets"/>; IKE messages come back as
    /// <see cref="EspStatus.NotEsp"/> for the caller to hand over to IKE.
    /// </summary>
    public static int DecapsulateUdpPayloads(EspSaTable table, ReadOnlySpan<PacketBuffer> packets, Span<EspStatus> results)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(results.Length, packets.Length);
        int ok = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            PacketBuffer p = packets[i];
            results[i] = Decapsulator.DecapsulateUdpPayload(table, p.Bytes, p.Offset, p.Length, out _, out int offset, out int length, out _);
            if (results[i] == EspStatus.Ok)
            {
                p.Offset = offset;
                p.Length = length;
                ok++;
            }
        }

        return ok;
    }

    /// <summary>Decapsulates every whole IP packet in <paramref name="packets"/> (raw ESP or ESP in UDP).</summary>
    public static int Decapsulate(EspSaTable table, ReadOnlySpan<PacketBuffer> packets, Span<EspStatus> results)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(results.Length, packets.Length);
        int ok = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            PacketBuffer p = packets[i];
            results[i] = Decapsulator.Decapsulate(table, p.Bytes, p.Offset, p.Length, out _, out int offset, out int length);
            if (results[i] == EspStatus.Ok)
            {
                p.Offset = offset;
                p.Length = length;
                ok++;
            }
        }

        return ok;
    }
}
