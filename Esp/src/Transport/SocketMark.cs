using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IpsecFw.Esp.Transport;

/// <summary>
/// Linux's <c>SO_MARK</c> (socket(7)): the firewall mark the kernel puts on every packet a socket sends, so that a
/// policy-routing rule (<c>ip rule ... fwmark</c>) can route the daemon's own IKE and ESP datagrams differently from
/// the traffic they protect, as wireguard does with its <c>fwmark</c>. Needs CAP_NET_ADMIN.
/// </summary>
public static class SocketMark
{
    private const int SolSocket = 1;
    private const int SoMark = 36;

    /// <summary>Marks every packet <paramref name="socket"/> sends with <paramref name="mark"/> (0 removes the mark).</summary>
    /// <exception cref="SocketException">The kernel refused (not Linux, or without CAP_NET_ADMIN).</exception>
    public static void Set(Socket socket, uint mark)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> value = stackalloc byte[sizeof(uint)];
        MemoryMarshal.Write(value, in mark);
        socket.SetRawSocketOption(SolSocket, SoMark, value);
    }

    /// <summary>The mark of <paramref name="socket"/>.</summary>
    public static uint Get(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> value = stackalloc byte[sizeof(uint)];
        socket.GetRawSocketOption(SolSocket, SoMark, value);
        return MemoryMarshal.Read<uint>(value);
    }
}
