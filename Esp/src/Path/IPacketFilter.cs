using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// The per-packet policy check of the data path (the distributed firewall's enforcement point): the inbound loop asks
/// it about every decrypted inner packet after the RFC 4301 5.2 selector check, the outbound loop about every inner
/// packet read from TUN once its SA is chosen and before it is sealed. Declared here so that Esp does not depend on
/// the SPD; the daemon's implementation (<c>IpsecFw.Host.Daemon.SpdPacketFilter</c>) classifies the packet, tracks
/// connections and asks the policy.
/// </summary>
/// <remarks>
/// <see cref="Inbound"/> is called only from the inbound loop's thread and <see cref="Outbound(uint, PacketBuffer)"/> only from the outbound
/// loop's thread, so each may keep per-direction state without locks; the two run at the same time. Both are on the
/// packet path: they must not allocate, block or throw. They may rewrite the packet in its buffer (a reassembled
/// datagram replaces the fragment that completed it): <see cref="PacketBuffer.Offset"/> and
/// <see cref="PacketBuffer.Length"/> then describe the new packet, which keeps <see cref="PacketBuffer.Headroom"/> in
/// front of it and <see cref="PacketBuffer.Tailroom"/> behind it.
/// </remarks>
public interface IPacketFilter
{
    /// <summary>Judges an inner packet that arrived on the inbound SA <paramref name="spi"/> and passed its selectors.</summary>
    PacketVerdict Inbound(uint spi, PacketBuffer packet);

    /// <summary>Judges an inner packet about to be sealed on the outbound SA <paramref name="spi"/>.</summary>
    PacketVerdict Outbound(uint spi, PacketBuffer packet);

    /// <summary>
    /// Judges an inner packet about to be sealed on <paramref name="sa"/> towards <paramref name="remote"/>, and may
    /// steer it onto another SA with the same peer by replacing both (a CHILD_SA dedicated to one program's traffic,
    /// per-process keying). The outbound loop calls this one; the default keeps the SA and asks
    /// <see cref="Outbound(uint, PacketBuffer)"/>.
    /// </summary>
    PacketVerdict Outbound(ref EspSa sa, ref SocketAddress remote, PacketBuffer packet)
    {
        ArgumentNullException.ThrowIfNull(sa);
        return Outbound(sa.Spi, packet);
    }
}
